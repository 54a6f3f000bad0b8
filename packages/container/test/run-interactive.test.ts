import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeContainer, reclaimTerminal, runInteractive } from '../src/index.ts';

// The terminal side (a person typing into the shell through a pseudo-terminal, and the
// terminal handed back afterwards) is driven through `script(1)` by the e2e tests of
// `boulder chroot` and breakpoints; these cover what does not need a terminal.
const probe = probeContainer();
if (!probe.ok) console.warn(`skipping interactive container tests: ${probe.reason}`);

describe.skipIf(!probe.ok)('runInteractive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'container-interactive-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs in the container with our stdio and reports the exit status', async () => {
    const r = await runInteractive(
      { root: 'host', binds: [{ host: dir, guest: '/mason/build', writable: true }] },
      {
        argv: [
          '/bin/sh',
          '-c',
          'id -u > uid; pwd > cwd; if [ -e /proc/$$/fd/3 ]; then echo open; else echo closed; fi > fd3; exit 5',
        ],
        env: { PATH: '/usr/bin' },
        cwd: '/mason/build',
      },
    );
    expect(r).toEqual({ status: 5, signal: null });
    expect(readFileSync(join(dir, 'uid'), 'utf8')).toBe('0\n');
    expect(readFileSync(join(dir, 'cwd'), 'utf8')).toBe('/mason/build\n');
    // fd 3 carries setup errors to us and is closed before the command starts.
    expect(readFileSync(join(dir, 'fd3'), 'utf8')).toBe('closed\n');
  });

  it('tells a container setup failure from the command’s status', async () => {
    await expect(
      runInteractive(
        { root: 'host', binds: [{ host: join(dir, 'nope'), guest: '/x' }] },
        { argv: ['/bin/true'], env: { PATH: '/usr/bin' } },
      ),
    ).rejects.toMatchObject({ code: 'CONTAINER_SETUP_FAILED', message: /mount --rbind .*nope/ });
  });

  it('leaves SIGINT handling as it found it', async () => {
    const before = process.listenerCount('SIGINT');
    await runInteractive({ root: 'host' }, { argv: ['/bin/true'], env: { PATH: '/usr/bin' } });
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('does not claim a terminal it does not have', () => {
    // The test runner's stdin is not a terminal.
    expect(reclaimTerminal()).toBe(false);
  });
});
