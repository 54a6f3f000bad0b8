import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { type ContainerSpec, lineSplitter, probeContainer, runInContainer } from '@serpent/container';
import type { TriggerCommand } from './trigger.js';
import { TriggersError } from './triggers-error.js';

export interface RunTriggerOptions {
  /** The target root: `/` is the live system. Its `etc` is the `/etc` the commands see. */
  readonly root: string;
  /** The new tree bound at `/usr` for transaction commands (required if there are any). */
  readonly stagingUsr?: string;
  /**
   * The whole environment of every command; nothing is inherited from this process.
   * Default: `PATH=/usr/bin:/usr/sbin`, `LANG=C.UTF-8`, `HOME=/root`.
   */
  readonly env?: Readonly<Record<string, string>>;
  readonly onEvent?: (event: TriggerEvent) => void;
  /** Stops before the next command and kills the running one; the promise rejects. */
  readonly signal?: AbortSignal;
}

/** Where a command ran: a fresh namespace, directly on the host, or in this process (delete). */
export type CommandPlace = 'namespace' | 'host' | 'in-process';

export interface CommandResult {
  readonly command: TriggerCommand;
  readonly place: CommandPlace;
  readonly ok: boolean;
  /** Exit status, or null when the process died of a signal or could not start. */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why it failed when that is not an exit status (spawn error, bad delete path, ...). */
  readonly error: string | undefined;
  readonly durationMs: number;
}

export type TriggerEvent =
  | {
      readonly type: 'start';
      readonly command: TriggerCommand;
      readonly index: number;
      readonly total: number;
    }
  | {
      /**
       * One whole line of a command's output, with its `\n` (or the last piece without one when
       * the command ends), never part of one: output is gathered per stream until a line ends,
       * so a prefixed display never splits a line or interleaves two mid-line.
       */
      readonly type: 'output';
      readonly command: TriggerCommand;
      readonly stream: 'stdout' | 'stderr';
      readonly chunk: Buffer;
    }
  | { readonly type: 'done'; readonly result: CommandResult; readonly index: number; readonly total: number };

export interface TriggerRunReport {
  /** One per command, in the order run. */
  readonly results: CommandResult[];
  readonly failed: CommandResult[];
}

const DEFAULT_ENV = { PATH: '/usr/bin:/usr/sbin', LANG: 'C.UTF-8', HOME: '/root' };

interface Placement {
  readonly place: CommandPlace;
  /** For a namespace: the container; otherwise undefined. */
  readonly spec: ContainerSpec | undefined;
  /** Host directory that a path under `/usr` lives in, and the one for everything else. */
  readonly usr: string;
  readonly rest: string | undefined;
}

/**
 * Transaction commands always run in a fresh namespace whose `/usr` is the staging tree
 * (writable) and `/etc` the target root's (read-only), as upstream. System commands run on the
 * host only when the target root is `/`; for any other root they run in a namespace over that
 * root's `/usr` and `/etc` (upstream chose by the installation root, so `install --to B` ran
 * `ldconfig` and `systemctl preset` on the host).
 */
function place(command: TriggerCommand, root: string, stagingUsr: string | undefined): Placement {
  if (command.scope === 'transaction') {
    if (stagingUsr === undefined) {
      throw new TriggersError(
        'TRIGGERS_NO_STAGING',
        `transaction trigger ${command.trigger} needs the staging /usr, and none was given`,
        { trigger: command.trigger },
      );
    }
    const usr = resolve(stagingUsr);
    return {
      place: command.kind === 'delete' ? 'in-process' : 'namespace',
      spec: {
        root: 'host',
        binds: [
          { host: usr, guest: '/usr', writable: true },
          { host: join(root, 'etc'), guest: '/etc' },
        ],
        hostname: 'moss-trigger',
      },
      usr,
      // /etc is read-only to transaction triggers: a delete may only touch the new /usr.
      rest: undefined,
    };
  }
  if (root === '/') {
    return {
      place: command.kind === 'delete' ? 'in-process' : 'host',
      spec: undefined,
      usr: '/usr',
      rest: '/',
    };
  }
  return {
    place: command.kind === 'delete' ? 'in-process' : 'namespace',
    spec: {
      root: 'host',
      binds: [
        { host: join(root, 'usr'), guest: '/usr', writable: true },
        { host: join(root, 'etc'), guest: '/etc', writable: true },
      ],
      hostname: 'moss-trigger',
    },
    usr: join(root, 'usr'),
    rest: root,
  };
}

/** The host path a delete handler's system path stands for, or the reason it is refused. */
function deleteTarget(path: string, p: Placement): string | { refused: string } {
  if (!path.startsWith('/') || posix.normalize(path) !== path || path.split('/').includes('..')) {
    return { refused: `${JSON.stringify(path)} is not a normalised absolute path` };
  }
  if (path === '/' || path === '/usr') return { refused: `refusing to delete ${path}` };
  if (path.startsWith('/usr/')) return join(p.usr, path.slice('/usr/'.length));
  if (p.rest === undefined) {
    return { refused: `${path} is outside /usr, which is all a transaction trigger may change` };
  }
  return join(p.rest, path.slice(1));
}

async function runDelete(
  command: Extract<TriggerCommand, { kind: 'delete' }>,
  p: Placement,
): Promise<Pick<CommandResult, 'ok' | 'error'>> {
  const problems: string[] = [];
  for (const path of command.paths) {
    const target = deleteTarget(path, p);
    if (typeof target !== 'string') {
      problems.push(target.refused);
      continue;
    }
    try {
      await rm(target, { recursive: true, force: true });
    } catch (e) {
      problems.push(`${path}: ${(e as Error).message}`);
    }
  }
  return problems.length === 0 ? { ok: true, error: undefined } : { ok: false, error: problems.join('; ') };
}

function runOnHost(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  onOut: (stream: 'stdout' | 'stderr', chunk: Buffer) => void,
  signal: AbortSignal | undefined,
): Promise<{ status: number | null; signal: NodeJS.Signals | null; error: string | undefined }> {
  return new Promise((done) => {
    // No shell: argv[0] is executed directly, with cwd / like upstream.
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: '/',
      env: { ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal, killSignal: 'SIGKILL' as const } : {}),
    });
    let error: string | undefined;
    child.stdout.on('data', (c: Buffer) => onOut('stdout', c));
    child.stderr.on('data', (c: Buffer) => onOut('stderr', c));
    child.on('error', (e) => {
      error = `cannot run ${argv[0]}: ${e.message}`;
    });
    child.on('close', (status, sig) => done({ status, signal: sig, error }));
  });
}

/**
 * Runs trigger commands one after another, in the order given (`collectCommands` order), with
 * no shell: each `argv` is executed as is. Output is captured per command and also streamed
 * through `onEvent`. A command that fails (non-zero exit, signal, cannot start) is recorded
 * and the rest still run, as upstream; `triggerFailureError(report)` turns the failures into
 * one error when the caller wants to stop. Rejects with `TRIGGERS_NAMESPACE_UNAVAILABLE` when a
 * command needs a namespace and this machine cannot create one.
 */
export async function runTriggerCommands(
  commands: readonly TriggerCommand[],
  options: RunTriggerOptions,
): Promise<TriggerRunReport> {
  const root = resolve(options.root);
  const env = options.env ?? DEFAULT_ENV;
  const placements = commands.map((c) => place(c, root, options.stagingUsr));
  if (placements.some((p) => p.place === 'namespace')) {
    const probe = probeContainer();
    if (!probe.ok) {
      throw new TriggersError(
        'TRIGGERS_NAMESPACE_UNAVAILABLE',
        `cannot create the namespace for trigger commands: ${probe.reason}`,
        { reason: probe.reason },
      );
    }
    // The target root's /etc is a bind source; a fresh ephemeral root may not have one yet.
    await mkdir(join(root, 'etc'), { recursive: true });
  }

  const results: CommandResult[] = [];
  for (const [index, command] of commands.entries()) {
    options.signal?.throwIfAborted();
    const p = placements[index]!;
    options.onEvent?.({ type: 'start', command, index, total: commands.length });
    const started = performance.now();
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const lines = {
      stdout: lineSplitter((chunk) =>
        options.onEvent?.({ type: 'output', command, stream: 'stdout', chunk }),
      ),
      stderr: lineSplitter((chunk) =>
        options.onEvent?.({ type: 'output', command, stream: 'stderr', chunk }),
      ),
    };
    const onOut = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
      out[stream].push(chunk);
      lines[stream].push(chunk);
    };
    let status: number | null = null;
    let signal: NodeJS.Signals | null = null;
    let ok: boolean;
    let error: string | undefined;
    if (command.kind === 'delete') {
      ({ ok, error } = await runDelete(command, p));
    } else if (p.place === 'host') {
      ({ status, signal, error } = await runOnHost(command.argv, env, onOut, options.signal));
      ok = status === 0;
    } else {
      ({ status, signal } = await runInContainer(p.spec!, {
        argv: command.argv,
        env,
        cwd: '/',
        onStdout: (c) => onOut('stdout', c),
        onStderr: (c) => onOut('stderr', c),
        ...(options.signal ? { signal: options.signal } : {}),
      }));
      ok = status === 0;
    }
    lines.stdout.end();
    lines.stderr.end();
    options.signal?.throwIfAborted();
    const result: CommandResult = {
      command,
      place: p.place,
      ok,
      status,
      signal,
      stdout: Buffer.concat(out.stdout).toString('utf8'),
      stderr: Buffer.concat(out.stderr).toString('utf8'),
      error,
      durationMs: performance.now() - started,
    };
    results.push(result);
    options.onEvent?.({ type: 'done', result, index, total: commands.length });
  }
  return { results, failed: results.filter((r) => !r.ok) };
}

function describeCommand(c: TriggerCommand): string {
  return c.kind === 'run' ? c.argv.join(' ') : `delete ${c.paths.join(' ')}`;
}

/** One `TRIGGERS_HANDLER_FAILED` error naming every failed trigger and its exit code, or undefined. */
export function triggerFailureError(report: TriggerRunReport): TriggersError | undefined {
  if (report.failed.length === 0) return undefined;
  const lines = report.failed.map((r) => {
    const how =
      r.error ?? (r.signal !== null ? `killed by ${r.signal}` : `exited with status ${String(r.status)}`);
    return `trigger ${r.command.trigger} (handler ${r.command.handler}): ${describeCommand(r.command)}: ${how}`;
  });
  return new TriggersError(
    'TRIGGERS_HANDLER_FAILED',
    `${report.failed.length} trigger command(s) failed:\n  ${lines.join('\n  ')}`,
    {
      failed: report.failed.map((r) => ({
        trigger: r.command.trigger,
        handler: r.command.handler,
        status: r.status,
        signal: r.signal,
        error: r.error,
        stderr: r.stderr,
      })),
    },
  );
}
