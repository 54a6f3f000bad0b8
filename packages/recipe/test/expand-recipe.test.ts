import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildTargets,
  expandRecipe,
  loadMacros,
  type MacroSet,
  parseRecipe,
  RecipeError,
  workDirName,
} from '../src/index.js';

let macros: MacroSet;
beforeAll(async () => {
  macros = await loadMacros();
});

const head = `name: hello
version: "1.0"
release: 3
homepage: https://example.org
license: MIT
upstreams:
    - https://example.org/hello-1.0.tar.gz: 0123456789abcdef
`;
const recipe = (extra: string) => parseRecipe(head + extra, 'hello/stone.yaml').recipe;

describe('buildTargets', () => {
  it('follows emul32 and architectures', () => {
    expect(buildTargets(recipe(''))).toEqual(['x86_64']);
    expect(buildTargets(recipe('emul32: true\n'))).toEqual(['emul32/x86_64', 'x86_64']);
    expect(buildTargets(recipe('architectures: [emul32, native]\n'))).toEqual(['emul32/x86_64', 'x86_64']);
    expect(buildTargets(recipe('emul32: true\narchitectures: [x86_64]\n'))).toEqual(['x86_64']);
    expect(() => buildTargets(recipe('architectures: [aarch64]\n'))).toThrow(RecipeError);
  });
});

describe('expandRecipe', () => {
  it('assembles prologue, environment and phase, in the work dir of the first upstream', () => {
    const x = expandRecipe(
      recipe(
        'environment: export FOO=%(name)\nsetup: |\n    %configure --disable-static\nbuild: |\n    %make\n',
      ),
      macros,
      {
        jobs: 7,
        sourceDateEpoch: 42,
      },
    );
    expect(x.jobs).toHaveLength(1);
    const [setup, build] = x.jobs[0]!.phases;
    expect(setup!.name).toBe('setup');
    expect(setup!.script).toMatch(/^#!\/bin\/sh\nset -e\nset -x\n/);
    expect(setup!.script).toContain('SOURCE_DATE_EPOCH="42"');
    expect(setup!.script).toContain('cd "/mason/build/x86_64/hello-1.0.tar.gz"\nexport FOO=hello\n');
    expect(setup!.script).toContain('--libexecdir="/usr/lib/hello" --disable-static\n');
    expect(build!.script.endsWith('make -j "7"\n')).toBe(true);
    expect(x.actionDependencies).toEqual(['binary(make)']);
    expect(x.buildDependencies).toEqual(['binary(make)']);
    expect(x.rootPackages).toEqual(
      expect.arrayContaining(['clang', 'bash', 'binary(gzip)', 'binary(tar)', 'binary(make)']),
    );
  });

  it('uses a profile’s phases for its target and the root ones elsewhere', () => {
    const r = recipe(
      'emul32: true\nbuilddeps: [a]\nsetup: echo root\nbuild: echo build\nprofiles:\n    - emul32:\n        setup: echo emul %(libdir)\n        builddeps: [b]\n',
    );
    const x = expandRecipe(r, macros);
    const [emul, native] = x.jobs;
    expect(emul!.target).toBe('emul32/x86_64');
    expect(emul!.phases[0]!.script.endsWith('echo emul /usr/lib32')).toBe(true);
    expect(emul!.phases[1]!.script.endsWith('echo build')).toBe(true);
    expect(native!.phases[0]!.script.endsWith('echo root')).toBe(true);
    expect(x.buildDependencies).toEqual(['a', 'b']);
    expect(x.rootPackages).toEqual(expect.arrayContaining(['glibc-32bit-devel', 'clang-32bit']));
  });

  it('runs PGO stages when there is a workload, and not with pgo: false', () => {
    const r = recipe('cspgo: true\nbuild: make\ninstall: make install\nworkload: ./bench\n');
    const x = expandRecipe(r, macros);
    expect(x.jobs.map((j) => `${j.stage}:${j.phases.map((p) => p.name).join(',')}`)).toEqual([
      'one:build,workload',
      'two:build,workload',
      'use:build,install',
    ]);
    expect(x.jobs[0]!.phases[1]!.script).toMatch(/\.\/bench\nllvm-profdata merge .*ir\.profdata/);
    expect(x.jobs[0]!.phases[0]!.script).toContain('PGO_STAGE="ONE"');
    expect(x.jobs[2]!.flags.c).toContain(
      '-fprofile-use=/mason/build/x86_64-pgo/combined.profdata'.replace(
        '/mason/build/x86_64-pgo',
        '%(pgo_dir)',
      ),
    );
    const plain = expandRecipe(r, macros, { pgo: false });
    expect(plain.jobs.map((j) => j.stage)).toEqual(['none']);
    expect(plain.jobs[0]!.phases.map((p) => p.name)).toEqual(['build', 'install']);
  });

  it('switches compilers and flags with the toolchain and mold', () => {
    const x = expandRecipe(recipe('toolchain: gnu\nmold: yes\nbuild: "%(cc) %(ld)"\n'), macros);
    const s = x.jobs[0]!.phases[0]!.script;
    expect(s.endsWith('gcc ld.mold')).toBe(true);
    expect(s).toContain('-flto=auto');
    expect(x.rootPackages).toEqual(expect.arrayContaining(['gcc', 'g++', 'binutils', 'binary(mold)']));
  });

  it('names the phase and recipe line of an unknown macro', () => {
    const r = recipe('setup: |\n    %configure\n\n    %cmake_buidl\n');
    expect(() => expandRecipe(r, macros)).toThrow(
      'hello/stone.yaml:11: setup: unknown action macro %cmake_buidl',
    );
  });

  it('cuts a phase at its breakpoints, each chunk a whole script, with the recipe line of each', () => {
    // head is 7 lines; `build: |` is line 8, its text starts on line 9.
    const r = recipe(
      'build: |\n    %make\n    %break_continue\n    echo %(name)\n    %break_exit\n    echo end\n',
    );
    const x = expandRecipe(r, macros, { jobs: 2 });
    const [build] = x.jobs[0]!.phases;
    expect(build!.chunks?.map((c) => c.breakpoint)).toEqual([
      { kind: 'continue', file: 'hello/stone.yaml', line: 10 },
      { kind: 'exit', file: 'hello/stone.yaml', line: 12 },
      undefined,
    ]);
    const [one, two, three] = build!.chunks!;
    for (const c of [one, two, three])
      expect(c!.script).toMatch(
        /^#!\/bin\/sh\nset -e\n[\s\S]*cd "\/mason\/build\/x86_64\/hello-1.0.tar.gz"\n/,
      );
    // The block's indentation is YAML's: the text is `%make\n%break_continue\n...`.
    expect(one!.script.endsWith('\nmake -j "2"\n')).toBe(true);
    expect(two!.script.endsWith('\n\necho hello\n')).toBe(true);
    expect(three!.script.endsWith('\n\necho end\n')).toBe(true);
    expect(build!.script).toContain('\nmake -j "2"\n# %break_continue (line 10)\n');
    // On one line with a command, the breakpoint still stops after it, and the shown script
    // keeps the command whole (the comment goes on a line of its own).
    const inline = expandRecipe(recipe('build: make all %break_exit\n'), macros).jobs[0]!.phases[0]!;
    expect(inline.chunks!.map((c) => c.breakpoint?.kind)).toEqual(['exit', undefined]);
    expect(inline.script.endsWith('\nmake all \n# %break_exit (line 8)')).toBe(true);
    // A job with breakpoints carries the shell profile: functions, variables, no set -e.
    const profile = x.jobs[0]!.shellProfile!;
    expect(profile).toContain(`a_make() { eval 'make -j "2"'"$(printf ' %q' "$@")"; }\nexport -f a_make\n`);
    expect(profile).toContain("d_libdir='/usr/lib'; export d_libdir\n");
    expect(profile).toContain('cd "/mason/build/x86_64/hello-1.0.tar.gz"\n');
    expect(profile).not.toMatch(/^set -e$|^#!|^TERM=/m);
    // The functions run the action with the arguments appended, as `%install_dir DIR` would.
    const dir = mkdtempSync(join(tmpdir(), 'profile-'));
    try {
      writeFileSync(join(dir, 'profile'), profile);
      const r = spawnSync(
        'bash',
        ['-c', `. ./profile 2>/dev/null; a_install_dir "$PWD/a b/c" && test -d "a b/c" && echo "$d_prefix"`],
        {
          cwd: dir,
          encoding: 'utf8',
        },
      );
      expect(r.stdout).toBe('/usr\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Without breakpoints: no chunks, and a profile only when asked for.
    const plain = expandRecipe(recipe('build: make\n'), macros);
    expect(plain.jobs[0]!.phases[0]!.chunks).toBeUndefined();
    expect(plain.jobs[0]!.shellProfile).toBeUndefined();
    expect(
      expandRecipe(recipe('build: make\n'), macros, { shellProfiles: true }).jobs[0]!.shellProfile,
    ).toContain('a_cmake()');
  });

  it('rejects an unknown tuning option before anything runs', () => {
    expect(() => expandRecipe(recipe('tuning:\n    - optimize: warp\nbuild: make\n'), macros)).toThrow(
      /no option warp/,
    );
  });
});

describe('workDirName', () => {
  it('is the first unpacked upstream’s directory', () => {
    expect(workDirName([])).toBeUndefined();
    expect(
      workDirName([{ kind: 'plain', uri: 'https://e/a.tar.xz', hash: 'abcde', stripDirs: 1, unpack: false }]),
    ).toBeUndefined();
    expect(
      workDirName([
        {
          kind: 'plain',
          uri: 'https://e/a.tar.xz',
          hash: 'abcde',
          stripDirs: 1,
          unpack: true,
          rename: 'b.tar',
        },
      ]),
    ).toBe('b.tar');
    expect(workDirName([{ kind: 'git', uri: 'https://e/repo.git', ref: 'v1', staging: true }])).toBe('repo');
  });
});
