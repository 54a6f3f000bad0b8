import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { probeContainer } from '@serpent/container';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  collectCommands,
  runTriggerCommands,
  type TriggerCommand,
  type TriggerEvent,
  TriggersError,
  triggerFailureError,
} from '../src/index.js';
import { listing, loadInline } from './helpers.js';

const probe = process.platform === 'linux' ? probeContainer() : { ok: false as const, reason: 'not Linux' };
const TOOLS = ['sh', 'env', 'mkdir', 'touch', 'cat', 'false', 'rm'];
const haveTools = TOOLS.every((t) => existsSync(`/usr/bin/${t}`)) && existsSync('/usr/bin/ldd');
const canRun = probe.ok && haveTools;
const why = !probe.ok
  ? `namespaces unavailable: ${probe.reason}`
  : 'needs /usr/bin/{sh,env,mkdir,touch,cat,false,rm} and ldd';

/**
 * A minimal `/usr` made of this machine's own tools and the libraries `ldd` says they load,
 * laid out as in a merged-/usr system (the container links /bin, /lib, /lib64 to usr/...).
 */
function makeUsr(usr: string): void {
  const copy = (from: string, rel: string) => {
    const to = join(usr, rel);
    if (existsSync(to)) return;
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(realpathSync(from), to);
  };
  for (const tool of TOOLS) {
    copy(`/usr/bin/${tool}`, `bin/${tool}`);
    const deps = execFileSync('ldd', [`/usr/bin/${tool}`], { encoding: 'utf8' });
    for (const m of deps.matchAll(/(\/\S+) \(0x/g)) {
      const lib = m[1]!;
      copy(lib, lib.startsWith('/usr/') ? lib.slice('/usr/'.length) : lib.slice(1));
    }
  }
  execFileSync('chmod', ['-R', 'a+rx', join(usr, 'bin')]);
}

let work: string;
let staging: string;
let root: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'serpent-triggers-run-'));
  staging = join(work, 'staging', 'usr');
  root = join(work, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc', 'marker'), 'target-etc\n');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const run = (
  trigger: string,
  argv: string[],
  scope: TriggerCommand['scope'] = 'transaction',
): TriggerCommand => ({
  kind: 'run',
  trigger,
  scope,
  handler: 'h',
  argv,
});

describe.skipIf(!canRun)('runTriggerCommands in a namespace', () => {
  it('runs a collected handler against the staging /usr; its effect lands there and nowhere else', async () => {
    makeUsr(staging);
    const loaded = await loadInline({
      kmod: `name: depmod
description: test stand-in for depmod
handlers:
  mark: {run: /usr/bin/mkdir, args: [-p, /usr/share/triggered/$(version)]}
paths:
  /usr/lib/modules/(version:*)/*: {handlers: [mark], type: directory}
`,
    });
    const paths = listing([
      '/usr/lib/modules/6.12.1/kernel/fs/ext4.ko.zst',
      '/usr/lib/modules/6.12.1/modules.dep',
    ]);
    const commands = collectCommands(loaded.triggers, paths, 'transaction');
    expect(commands.map((c) => (c.kind === 'run' ? c.argv : []))).toEqual([
      ['/usr/bin/mkdir', '-p', '/usr/share/triggered/6.12.1'],
    ]);
    const report = await runTriggerCommands(commands, { stagingUsr: staging, root });
    await rm(loaded.dir, { recursive: true });
    expect(report.failed).toEqual([]);
    expect(report.results[0]).toMatchObject({ place: 'namespace', ok: true, status: 0 });
    expect(existsSync(join(staging, 'share', 'triggered', '6.12.1'))).toBe(true);
    expect(existsSync('/usr/share/triggered')).toBe(false);
    expect(existsSync(join(root, 'usr'))).toBe(false);
  });

  it('the handler is PID 1 of its own namespace, sees the target /etc read-only, and only the given environment', async () => {
    makeUsr(staging);
    const report = await runTriggerCommands(
      [
        run('pid', ['/usr/bin/sh', '-c', 'echo $$']),
        run('etc', ['/usr/bin/cat', '/etc/marker']),
        run('etc-write', ['/usr/bin/touch', '/etc/written']),
        run('env', ['/usr/bin/env']),
      ],
      { stagingUsr: staging, root, env: { PATH: '/usr/bin', ONLY: 'this' } },
    );
    const [pid, etc, write, env] = report.results;
    expect(pid!.stdout).toBe('1\n');
    expect(etc!.stdout).toBe('target-etc\n');
    expect(write!.ok).toBe(false);
    expect(write!.stderr).toMatch(/Read-only file system/);
    expect(existsSync(join(root, 'etc', 'written'))).toBe(false);
    // PWD/OLDPWD come from the `cd` of @serpent/container's exec wrapper; nothing else leaks in.
    const vars = env!.stdout
      .trim()
      .split('\n')
      .filter((v) => !/^(OLD)?PWD=/.test(v));
    expect(vars.sort()).toEqual(['ONLY=this', 'PATH=/usr/bin']);
    expect(report.failed.map((r) => r.command.trigger)).toEqual(['etc-write']);
  });

  it('reports a failing handler with its trigger and exit code, attributes its output, and runs the rest', async () => {
    makeUsr(staging);
    const events: TriggerEvent[] = [];
    const report = await runTriggerCommands(
      [
        run('fails', ['/usr/bin/sh', '-c', 'echo out; echo err >&2; exit 3']),
        run('missing', ['/usr/bin/no-such-program']),
        run('after', ['/usr/bin/touch', '/usr/after']),
      ],
      { stagingUsr: staging, root, onEvent: (e) => events.push(e) },
    );
    expect(report.results.map((r) => [r.command.trigger, r.status])).toEqual([
      ['fails', 3],
      ['missing', 127],
      ['after', 0],
    ]);
    expect(report.results[0]).toMatchObject({ stdout: 'out\n', stderr: 'err\n', ok: false });
    expect(existsSync(join(staging, 'after'))).toBe(true);
    const outputs = events.filter((e) => e.type === 'output');
    expect(outputs.some((e) => e.command.trigger === 'fails' && e.stream === 'stderr')).toBe(true);
    expect(events.filter((e) => e.type === 'start').map((e) => e.type === 'start' && e.total)).toEqual([
      3, 3, 3,
    ]);
    const error = triggerFailureError(report)!;
    expect(error.code).toBe('TRIGGERS_HANDLER_FAILED');
    expect(error.message).toContain(
      'trigger fails (handler h): /usr/bin/sh -c echo out; echo err >&2; exit 3: exited with status 3',
    );
    expect(error.message).toContain('trigger missing');
    expect(error.details.failed).toHaveLength(2);
    expect(triggerFailureError({ results: [], failed: [] })).toBeUndefined();
  });

  it('system triggers for a root other than / run in a namespace over that root, never on the host', async () => {
    makeUsr(join(root, 'usr'));
    const report = await runTriggerCommands(
      [run('sys', ['/usr/bin/touch', '/etc/from-system', '/usr/from-system'], 'system')],
      { root },
    );
    expect(report.results[0]).toMatchObject({ place: 'namespace', ok: true });
    expect(existsSync(join(root, 'etc', 'from-system'))).toBe(true);
    expect(existsSync(join(root, 'usr', 'from-system'))).toBe(true);
    expect(existsSync('/etc/from-system')).toBe(false);
  });
});
if (!canRun) it.skip(`namespace executor tests: ${why}`, () => {});

describe('runTriggerCommands without a namespace', () => {
  it('system triggers for root / run directly on the host, with no shell and only the given environment', async () => {
    const report = await runTriggerCommands(
      [run('host', ['/usr/bin/env'], 'system'), run('glob', ['/usr/bin/echo', '$HOME', '*'], 'system')],
      { root: '/', env: { PATH: '/usr/bin', X: '1' } },
    );
    expect(report.results.map((r) => r.place)).toEqual(['host', 'host']);
    expect(report.results[0]!.stdout.trim().split('\n').sort()).toEqual(['PATH=/usr/bin', 'X=1']);
    expect(report.results[1]!.stdout).toBe('$HOME *\n');
  });

  it('a program that cannot start on the host is a failure with the reason', async () => {
    const report = await runTriggerCommands([run('gone', ['/nonexistent/program'], 'system')], { root: '/' });
    expect(report.failed).toHaveLength(1);
    expect(report.results[0]!.error).toMatch(/ENOENT/);
    expect(triggerFailureError(report)!.message).toContain('trigger gone');
  });

  it('delete handlers remove paths in the staging /usr; a transaction delete outside /usr is refused', async () => {
    await mkdir(join(staging, 'share', 'stale', 'deep'), { recursive: true });
    await writeFile(join(staging, 'share', 'stale', 'deep', 'f'), 'x');
    const del = (trigger: string, paths: string[], scope: TriggerCommand['scope']): TriggerCommand => ({
      kind: 'delete',
      trigger,
      scope,
      handler: 'rm',
      paths,
    });
    const report = await runTriggerCommands(
      [
        del('tx', ['/usr/share/stale', '/usr/share/never-there'], 'transaction'),
        del('tx-etc', ['/etc/marker'], 'transaction'),
        del('escape', ['/usr/../etc/marker'], 'transaction'),
      ],
      { stagingUsr: staging, root },
    );
    expect(report.results.map((r) => [r.command.trigger, r.place, r.ok])).toEqual([
      ['tx', 'in-process', true],
      ['tx-etc', 'in-process', false],
      ['escape', 'in-process', false],
    ]);
    expect(existsSync(join(staging, 'share', 'stale'))).toBe(false);
    expect(await readFile(join(root, 'etc', 'marker'), 'utf8')).toBe('target-etc\n');
    expect(report.results[1]!.error).toContain('outside /usr');
  });

  it('a system delete acts on the target root', async () => {
    const report = await runTriggerCommands(
      [{ kind: 'delete', trigger: 'sys', scope: 'system', handler: 'rm', paths: ['/etc/marker'] }],
      { root },
    );
    expect(report.failed).toEqual([]);
    expect(existsSync(join(root, 'etc', 'marker'))).toBe(false);
  });

  it('an abort kills the running handler and rejects; later commands do not start', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const t0 = performance.now();
    setTimeout(() => controller.abort(new Error('stop')), 200);
    await expect(
      runTriggerCommands(
        [run('slow', ['/usr/bin/sleep', '30'], 'system'), run('next', ['/usr/bin/true'], 'system')],
        {
          root: '/',
          signal: controller.signal,
          onEvent: (e) => {
            if (e.type === 'start') started.push(e.command.trigger);
          },
        },
      ),
    ).rejects.toThrow('stop');
    expect(started).toEqual(['slow']);
    // Not a performance bound: it tells "killed" apart from "sleep ran its 30 s to the end".
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('transaction commands without a staging /usr are TRIGGERS_NO_STAGING', async () => {
    await expect(runTriggerCommands([run('t', ['/usr/bin/true'])], { root })).rejects.toSatisfy(
      (e) => e instanceof TriggersError && e.code === 'TRIGGERS_NO_STAGING',
    );
  });
});
