// Builds the initrd helper moss-fstx (initrd/moss-fstx.c) into dist/initrd with the package's
// own Makefile, as a distribution would, with warnings as errors. Without make or a C compiler
// it says so and stops: the TypeScript build does not need it, and the tests that boot with it
// skip and say why.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const initrd = fileURLToPath(new URL('../initrd', import.meta.url));
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const cc = process.env.CC ?? 'cc';
if (!have('make') || !have(cc)) {
  console.warn(`build-initrd: no make or ${cc}; moss-fstx not built (install gcc and make to build it)`);
  process.exit(0);
}
const r = spawnSync(
  'make',
  ['-s', '-C', initrd, 'BUILDDIR=../dist/initrd', `CC=${cc}`, 'CFLAGS=-O2 -g -Werror'],
  {
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
