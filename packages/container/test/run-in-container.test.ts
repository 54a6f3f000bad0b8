import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeContainer, runInContainer } from '../src/index.ts';

const probe = probeContainer();
if (!probe.ok) console.warn(`skipping container tests: ${probe.reason}`);

async function sh(script: string, extra: Partial<Parameters<typeof runInContainer>[0]> = {}, env = {}) {
  let out = '';
  let err = '';
  const r = await runInContainer(
    { root: 'host', ...extra },
    {
      argv: ['/bin/sh', '-c', script],
      env: { PATH: '/usr/bin:/usr/sbin', ...env },
      onStdout: (c) => {
        out += c;
      },
      onStderr: (c) => {
        err += c;
      },
    },
  );
  return { ...r, out, err };
}

describe.skipIf(!probe.ok)('runInContainer (host root)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'container-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('maps us to root in a new PID namespace', async () => {
    const r = await sh('id -u; echo $$; ls /proc | grep -c "^[0-9]"');
    expect(r.status).toBe(0);
    const [uid, pid, procs] = r.out.trim().split('\n').map(Number);
    expect(uid).toBe(0);
    // The container's shell is a child of unshare's PID 1, so it sees only a handful of processes.
    expect(pid).toBeLessThan(10);
    expect(procs).toBeLessThan(10);
  });

  it('keeps /usr read-only and the writable bind writable', async () => {
    const r = await sh(
      'touch /usr/boulder-probe 2>&1 && echo WROTE-USR; echo hi > /mason/out/file && echo OK',
      {
        binds: [{ host: dir, guest: '/mason/out', writable: true }],
      },
    );
    expect(r.out).not.toContain('WROTE-USR');
    expect(r.out).toContain('OK');
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('hi\n');
    expect(existsSync('/usr/boulder-probe')).toBe(false);
  });

  it('makes a read-only bind read-only', async () => {
    writeFileSync(join(dir, 'ro.txt'), 'ro');
    const r = await sh('cat /src/ro.txt; echo x > /src/ro.txt || echo REFUSED', {
      binds: [{ host: dir, guest: '/src' }],
    });
    expect(r.out).toContain('ro');
    expect(r.out).toContain('REFUSED');
    expect(readFileSync(join(dir, 'ro.txt'), 'utf8')).toBe('ro');
  });

  it('passes exactly the given environment and working directory', async () => {
    let out = '';
    await runInContainer(
      { root: 'host', binds: [{ host: dir, guest: '/work' }] },
      {
        argv: ['/bin/sh', '-c', 'env | sort; pwd'],
        env: { ONLY: 'this' },
        cwd: '/work',
        onStdout: (c) => (out += c),
      },
    );
    const lines = out.trim().split('\n');
    expect(lines).toContain('ONLY=this');
    expect(lines.at(-1)).toBe('/work');
    // Only what we passed, plus what sh itself sets.
    expect(lines.filter((l) => l.includes('=') && !/^(ONLY|PWD|OLDPWD|SHLVL|_)=/.test(l))).toEqual([]);
  });

  it('has no network unless asked for', async () => {
    const off = await sh('cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "');
    expect(off.out.trim().split('\n')).toEqual(['lo']);
    const on = await sh('cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "', { networking: true });
    expect(on.out.trim().split('\n').length).toBeGreaterThan(1);
  });

  it('reports the exit status of the command', async () => {
    expect((await sh('exit 3')).status).toBe(3);
  });

  it('fails setup with CONTAINER_SETUP_FAILED when a bind source is missing', async () => {
    await expect(sh('true', { binds: [{ host: join(dir, 'nope'), guest: '/x' }] })).rejects.toMatchObject({
      code: 'CONTAINER_SETUP_FAILED',
    });
  });
});

describe.skipIf(!probe.ok)('runInContainer (a root filesystem)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'container-rootfs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs in the given root, read-only except for the writable binds', async () => {
    // A small real root: a few of this machine's programs and the libraries ldd says they need.
    const root = join(dir, 'root');
    mkdirSync(join(root, 'usr'), { recursive: true });
    const programs = ['/bin/sh', '/usr/bin/env', '/usr/bin/cat', '/usr/bin/touch'].map((p) =>
      realpathSync(p),
    );
    const libs = programs.flatMap((p) =>
      [...execFileSync('ldd', [p], { encoding: 'utf8' }).matchAll(/(\/\S+)/g)].map((m) => m[1]!),
    );
    for (const f of [...programs, ...libs]) execFileSync('cp', ['--parents', '-L', f, root]);
    execFileSync('cp', ['-L', realpathSync('/bin/sh'), join(root, 'usr/bin/sh')]);
    for (const l of ['bin', 'lib', 'lib64']) {
      if (existsSync(join(root, l)) && !existsSync(join(root, 'usr', l)))
        execFileSync('mv', [join(root, l), join(root, 'usr', l)]);
      if (existsSync(join(root, 'usr', l))) symlinkSync(`usr/${l}`, join(root, l));
    }
    writeFileSync(join(root, 'marker'), 'this root');
    const out = join(dir, 'out');
    mkdirSync(out);
    let text = '';
    const r = await runInContainer(
      { root, binds: [{ host: out, guest: '/mason/install', writable: true }] },
      {
        argv: [
          '/bin/sh',
          '-c',
          'cat /marker; touch /x 2>/dev/null || echo ROOT-RO; echo ok > /mason/install/y',
        ],
        env: { PATH: '/usr/bin' },
        onStdout: (c) => (text += c),
      },
    );
    expect(r.status).toBe(0);
    expect(text).toContain('this root');
    expect(text).toContain('ROOT-RO');
    expect(readFileSync(join(out, 'y'), 'utf8')).toBe('ok\n');
    expect(existsSync(join(root, 'x'))).toBe(false);
  });
});
