import { describe, expect, it } from 'vitest';
import { debugScript } from '../src/index.ts';

describe('debugScript', () => {
  const files = [
    { guestPath: '/i/usr/bin/app', path: '/usr/bin/app', elf: { bits: 64 as const, buildId: 'abcdef01' } },
    {
      guestPath: '/i/usr/lib32/libx.so.1',
      path: '/usr/lib32/libx.so.1',
      elf: { bits: 32 as const, buildId: '1234' },
    },
    {
      guestPath: '/i/usr/lib/liby.so',
      path: '/usr/lib/liby.so',
      elf: { bits: 64 as const, buildId: undefined },
    },
  ];

  it('splits by build-id, strips executables fully and libraries of debug symbols only', () => {
    const s = debugScript(files, { installRoot: '/i', toolchain: 'gnu', strip: true });
    expect(s).toContain(
      "/usr/bin/objcopy --only-keep-debug '/i/usr/bin/app' '/i/usr/lib/debug/.build-id/ab/cdef01.debug'",
    );
    expect(s).toContain("--add-gnu-debuglink='/i/usr/lib/debug/.build-id/ab/cdef01.debug' '/i/usr/bin/app'");
    expect(s).toContain("/usr/bin/strip '/i/usr/bin/app'");
    expect(s).toContain("'/i/usr/lib32/debug/.build-id/12/34.debug'");
    expect(s).toContain("/usr/bin/strip -g --strip-unneeded '/i/usr/lib32/libx.so.1'");
    expect(s).not.toContain('liby.so');
  });

  it('uses the LLVM tools for the llvm toolchain and can leave stripping off', () => {
    const s = debugScript(files, { installRoot: '/i', toolchain: 'llvm', strip: false });
    expect(s).toContain('/usr/bin/llvm-objcopy --only-keep-debug');
    expect(s).not.toContain('strip');
  });
});
