import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeContainer, runInContainer } from '../src/index.ts';
import { buildStaticProbe } from './static-probe.ts';

const dir = mkdtempSync(join(tmpdir(), 'container-noshell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const probe = probeContainer();
const built = buildStaticProbe(dir);
const skip = !probe.ok ? probe.reason : 'skip' in built ? built.skip : undefined;
if (skip) console.warn(`skipping the shell-less container tests: ${skip}`);

// issue 14, B: every command ran as `chroot ROOT /usr/bin/env -i ... /bin/sh -c 'cd ... &&
// exec ...'`, so a root without env or sh failed with 127 before the command ran.
describe.skipIf(skip !== undefined)('a root with no shell and no env(1)', () => {
  function shellLessRoot(name: string): string {
    const root = join(dir, name);
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    mkdirSync(join(root, 'work'));
    copyFileSync((built as { path: string }).path, join(root, 'usr', 'bin', 'probe'));
    return root;
  }

  it('runs the command itself, with exactly the given environment and working directory', async () => {
    const root = shellLessRoot('root');
    expect(existsSync(join(root, 'bin'))).toBe(false);
    expect(existsSync(join(root, 'usr/bin/sh'))).toBe(false);
    expect(existsSync(join(root, 'usr/bin/env'))).toBe(false);
    let out = '';
    let err = '';
    const r = await runInContainer(
      { root },
      {
        argv: ['probe', '0', 'two words'],
        env: { PATH: '/usr/bin', FOO: 'bar baz' },
        cwd: '/work',
        onStdout: (c) => {
          out += c;
        },
        onStderr: (c) => {
          err += c;
        },
      },
    );
    expect(r.status, err).toBe(0);
    expect(
      out
        .split('\n')
        .filter((l) => l.startsWith('env='))
        .sort(),
    ).toEqual(['env=FOO=bar baz', 'env=PATH=/usr/bin']);
    expect(out).toContain('cwd=/work\n');
    expect(out).toContain('arg=two words\n');
    expect(out).toContain('partial stdout line\n');
    expect(err).toBe('partial stderr line\n');
  });

  it("reports the command's own exit status, and a missing command as 127, not as a setup failure", async () => {
    const root = shellLessRoot('status');
    expect(
      (await runInContainer({ root }, { argv: ['/usr/bin/probe', '3'], env: { PATH: '/usr/bin' } })).status,
    ).toBe(3);
    let err = '';
    const missing = await runInContainer(
      { root },
      { argv: ['/usr/bin/nothing-here'], env: { PATH: '/usr/bin' }, onStderr: (c) => (err += c) },
    );
    expect(missing.status).toBe(127);
    expect(err).toContain('nothing-here');
  });
});
