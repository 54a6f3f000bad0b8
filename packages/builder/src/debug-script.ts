import type { ElfInfo } from '@serpent/elf';

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export interface StripTarget {
  /** Path inside the container, e.g. `/mason/install/usr/bin/foo`. */
  readonly guestPath: string;
  /** Path below the install root, e.g. `/usr/bin/foo`. */
  readonly path: string;
  readonly elf: Pick<ElfInfo, 'bits' | 'buildId'>;
}

/**
 * The shell script that splits debug info and strips, as boulder does for every ELF file with
 * a GNU build-id: `objcopy --only-keep-debug` into `/usr/lib/debug/.build-id/<xx>/<rest>.debug`
 * (`/usr/lib32/...` for 32-bit; kept if it exists, as hard links share one build-id), then
 * `--add-gnu-debuglink`, then `strip` for executables in `bin`/`sbin` and
 * `strip -g --strip-unneeded` for the rest. Objects without a build-id are left alone.
 * A failing tool is reported on stderr and the script goes on (the original only prints too).
 */
export function debugScript(
  files: readonly StripTarget[],
  opts: { installRoot: string; toolchain: 'llvm' | 'gnu'; strip: boolean },
): string {
  const objcopy = opts.toolchain === 'llvm' ? '/usr/bin/llvm-objcopy' : '/usr/bin/objcopy';
  const strip = opts.toolchain === 'llvm' ? '/usr/bin/llvm-strip' : '/usr/bin/strip';
  const lines = ['#!/bin/sh', 'warn() { echo "warning: $*" >&2; }'];
  for (const f of files) {
    const id = f.elf.buildId;
    if (!id || id.length < 3) continue;
    const dbg = `${opts.installRoot}/usr/lib${f.elf.bits === 32 ? '32' : ''}/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`;
    const F = q(f.guestPath);
    lines.push(
      `if [ ! -e ${q(dbg)} ]; then mkdir -p ${q(dbg.slice(0, dbg.lastIndexOf('/')))} && ${objcopy} --only-keep-debug ${F} ${q(dbg)} && ${objcopy} --add-gnu-debuglink=${q(dbg)} ${F} || warn "debug split of ${f.path} failed"; fi`,
    );
    if (opts.strip) {
      const dir = f.path.slice(0, f.path.lastIndexOf('/'));
      const args = /(bin|sbin)$/.test(dir) ? '' : '-g --strip-unneeded ';
      lines.push(`${strip} ${args}${F} || warn "strip of ${f.path} failed"`);
    }
  }
  return `${lines.join('\n')}\n`;
}
