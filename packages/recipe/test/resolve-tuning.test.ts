import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadMacros,
  type MacroSet,
  macroLayers,
  parseRecipe,
  type RecipeError,
  resolveTuning,
  tuningTables,
} from '../src/index.js';

let macros: MacroSet;
beforeAll(async () => {
  macros = await loadMacros();
});
const tables = (target = 'x86_64') => tuningTables(macroLayers(macros, target));

describe('resolveTuning with the shipped data', () => {
  // The default x86_64 LLVM build, as derived in ../shared/reference/boulder.md §2.5.
  it('gives boulder’s default LLVM flags, sorted as whole strings', () => {
    const f = resolveTuning({ ...tables(), choices: [], toolchain: 'llvm' });
    expect(f.c).toBe(
      '-D_FORTIFY_SOURCE=2 -O2 -Wa,--compress-debug-sections=zstd -Werror=odr -Werror=strict-aliasing -ffat-lto-objects -flto=thin -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fstack-protector --param ssp-buffer-size=32 -g -fasynchronous-unwind-tables -march=x86-64-v2 -mtune=ivybridge -mprefer-vector-width=128 -pipe -Wformat -Wformat-security -Wno-error -fPIC',
    );
    expect(f.ld).toBe(
      '-Wl,--as-needed -Wl,--build-id=sha1 -Wl,--compress-debug-sections=zstd -Wl,--icf=safe -Wl,-Bsymbolic-functions -Wl,-O2,--gc-sections -Wl,-z,pack-relative-relocs -Wl,-z,relro,-z,now -flto=thin',
    );
    expect(f.cxx).toBe(f.c);
  });

  it('gives GNU variants: LTO for gcc, no ICF for ld.bfd', () => {
    const f = resolveTuning({ ...tables(), choices: [], toolchain: 'gnu' });
    expect(f.c).toContain('-flto=auto');
    expect(f.c).toContain('-Werror=lto-type-mismatch');
    expect(f.c).not.toContain('-flto=thin');
    expect(f.ld).toBe(
      '-Wl,--as-needed -Wl,--build-id=sha1 -Wl,--compress-debug-sections=zstd -Wl,-Bsymbolic-functions -Wl,-O2,--gc-sections -Wl,-z,pack-relative-relocs -Wl,-z,relro,-z,now -flto=auto',
    );
  });

  it('applies recipe choices: off, options, extra groups', () => {
    const f = resolveTuning({
      ...tables(),
      choices: [
        { group: 'lto', value: false },
        { group: 'optimize', value: 'speed' },
        { group: 'nosemantic', value: true },
        { group: 'harden', value: false },
      ],
      toolchain: 'llvm',
    });
    expect(f.c.split(' ')).toEqual(
      expect.arrayContaining(['-fno-lto', '-O3', '-fno-semantic-interposition', '-fno-stack-protector']),
    );
    expect(f.c).not.toMatch(/-flto=thin|-O2|-fstack-protector /);
    expect(f.ld).toContain('-fno-lto');
  });

  it('uses the emul32 architecture flags', () => {
    expect(resolveTuning({ ...tables('emul32/x86_64'), choices: [], toolchain: 'llvm' }).c).toContain(
      '-march=i686',
    );
  });

  it('adds the PGO stage and mold', () => {
    const one = resolveTuning({ ...tables(), choices: [], toolchain: 'llvm', pgoStage: 'one', mold: true });
    expect(one.c).toContain('-fprofile-generate=%(pgo_dir)/IR');
    expect(one.c.endsWith('-fuse-ld=mold')).toBe(true);
    expect(one.rust).toContain('-Clink-arg=-fuse-ld=mold');
    const use = resolveTuning({ ...tables(), choices: [], toolchain: 'llvm', pgoStage: 'use' });
    expect(use.c).toContain('-fprofile-use=%(pgo_dir)/combined.profdata');
  });

  it('reads YAML 1.1 boolean words as on/off where the group has no option of that name', () => {
    // `- icf: no` in a real recipe meant "off"; YAML 1.2 hands us the text "no".
    const { recipe } = parseRecipe(
      [
        'name: t',
        'version: "1"',
        'release: 1',
        'homepage: h',
        'license: MIT',
        'tuning:',
        '  - icf: no',
        '  - lto: OFF',
        '  - harden: n',
        '  - polly: yes',
        '  - optimize: On',
        '  - nosemantic: Y',
        '',
      ].join('\n'),
      'r.yaml',
    );
    const f = resolveTuning({ ...tables(), choices: recipe.tuning, toolchain: 'llvm' });
    expect(f.ld).not.toContain('--icf');
    expect(f.c.split(' ')).toEqual(
      expect.arrayContaining([
        '-fno-lto',
        '-fno-stack-protector',
        '-polly',
        '-O2',
        '-fno-semantic-interposition',
      ]),
    );
    expect(f.c).not.toContain('-flto=thin');
    // A word that is also an option name stays the option (avxwidth has "128" and "256").
    const g = resolveTuning({
      ...tables(),
      choices: [{ group: 'avxwidth', value: '256' }],
      toolchain: 'llvm',
    });
    expect(g.c).toContain('-mprefer-vector-width=256');
  });

  it('rejects unknown groups and options', () => {
    const t = tables();
    expect(() =>
      resolveTuning({ ...t, choices: [{ group: 'turbo', value: true }], toolchain: 'llvm', file: 'r.yaml' }),
    ).toThrow('r.yaml: unknown tuning group turbo');
    try {
      resolveTuning({ ...t, choices: [{ group: 'lto', value: 'medium' }], toolchain: 'llvm' });
      expect.unreachable();
    } catch (e) {
      expect((e as RecipeError).code).toBe('RECIPE_UNKNOWN_TUNING');
      expect((e as RecipeError).message).toContain(
        'tuning group lto has no option medium (it has: full, thin; or write true or false)',
      );
    }
  });
});
