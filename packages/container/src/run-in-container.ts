import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerError } from './container-error.js';

/** A host directory made visible inside the container. */
export interface Bind {
  readonly host: string;
  /** Absolute path inside the container. */
  readonly guest: string;
  /** Read-only unless true. */
  readonly writable?: boolean;
}

export interface ContainerSpec {
  /**
   * `'host'`: an empty root with the host's `/usr` and `/etc` bind-mounted read-only (the
   * bootstrap mode); or the path of a complete root filesystem, bind-mounted read-only as `/`
   * (mount points for the binds are created in it first).
   */
  readonly root: 'host' | string;
  readonly binds?: readonly Bind[];
  /** Keep the host's network. Off by default: a fresh network namespace with only `lo`. */
  readonly networking?: boolean;
  readonly hostname?: string;
}

export interface RunOptions {
  readonly argv: readonly string[];
  /** The whole environment of the command: nothing is inherited from the caller. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory inside the container. */
  readonly cwd?: string;
  readonly onStdout?: (chunk: Buffer) => void;
  readonly onStderr?: (chunk: Buffer) => void;
  readonly signal?: AbortSignal;
}

export interface RunResult {
  /** Exit status of the command, or null when it died of a signal. */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
}

// The setup script's own failures exit with this status, so they are told apart from the
// command's (125 is what `env`, `chroot` and friends use for "the wrapper failed").
const SETUP_FAILED = 125;

/** Single-quotes a string for /bin/sh. */
function q(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * The shell script `unshare` runs: mounts, then the command itself (below). Its own failures go
 * to `errFd` (stderr, or fd 3 when the command owns the terminal), which the command does not
 * inherit. With `readyFd`, it writes `ready` there and closes it once setup is over, so a
 * failure after it (an `unshare: failed to execute ...` of a missing command) is known to be
 * the command's.
 */
export function setupScript(
  spec: ContainerSpec,
  root: string,
  opts: Pick<RunOptions, 'argv' | 'env' | 'cwd'>,
  errFd = 2,
  readyFd?: number,
): string {
  const R = q(root);
  const lines = [
    `fail() { echo "container setup: $*" >&${errFd}; exit 125; }`,
    // The host's unshare runs the command at the end (below): found now, while PATH is ours.
    'U=$(command -v unshare) || fail "unshare not found on PATH"',
    'm() { out=$(mount "$@" 2>&1) || fail "mount $*: $out"; }',
    // A bind mount keeps the flags the host mount has locked (nosuid, nodev ...) and a
    // read-only remount inside a user namespace must repeat them, or the kernel says EPERM.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
    'ro() { f=$(findmnt -no OPTIONS -T "$1" | tr , "\\n" | grep -xE "nosuid|nodev|noexec" | paste -sd, -); m -o "remount,bind,ro${f:+,$f}" "$1"; }',
    // A file is bound onto a file, a directory onto a directory.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
    'bind() { if [ -d "$1" ]; then mkdir -p "$2"; else mkdir -p "${2%/*}" && : > "$2"; fi || fail "cannot create $2"; m --rbind "$1" "$2"; }',
    'm --make-rprivate /',
  ];
  if (spec.root === 'host') {
    lines.push(
      `m -t tmpfs -o mode=0755 boulder-root ${R}`,
      `bind /usr ${R}/usr`,
      `ro ${R}/usr`,
      `bind /etc ${R}/etc`,
      `ro ${R}/etc`,
      `for l in bin sbin lib lib64 lib32; do [ -e /usr/$l ] && ln -s usr/$l ${R}/$l; done; true`,
    );
  } else {
    // Mount points are created in the root before it turns read-only (below).
    lines.push(`m --rbind ${q(spec.root)} ${R}`);
  }
  lines.push(
    `mkdir -p ${R}/proc ${R}/dev ${R}/tmp 2>/dev/null; true`,
    `m -t proc proc ${R}/proc`,
    `m --rbind /dev ${R}/dev`,
    `m -t tmpfs -o mode=1777 tmp ${R}/tmp`,
  );
  for (const b of spec.binds ?? []) {
    lines.push(`bind ${q(b.host)} ${R}${q(b.guest)}`);
    if (!b.writable) lines.push(`ro ${R}${q(b.guest)}`);
  }
  // Last, so the mount points above could still be made: the root itself is read-only too.
  lines.push(`ro ${R}`);
  if (!spec.networking) lines.push('command -v ip >/dev/null && ip link set lo up 2>/dev/null; true');
  if (spec.hostname) lines.push(`hostname ${q(spec.hostname)} 2>/dev/null; true`);
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => q(`${k}=${v}`));
  const cwd = opts.cwd ?? '/';
  // The command itself is executed, with its environment and working directory set from
  // outside the root: the host's env(1) clears and sets the environment, then the host's
  // unshare(1) (no new namespace) chroots into the root, changes to `cwd` there and executes
  // argv[0] (looked up on the command's PATH inside the root). Nothing of the root is run but
  // the command, so a root without /usr/bin/env or /bin/sh (a base system being bootstrapped,
  // a minimal image) runs its handlers; the earlier `chroot ROOT /usr/bin/env ... /bin/sh -c`
  // failed there with status 127.
  lines.push(`cd ${R} || fail "cd root"`);
  if (readyFd !== undefined) lines.push(`printf ready >&${readyFd}; exec ${readyFd}>&-`);
  lines.push(
    `exec env -i ${env.join(' ')} "$U" --root=${R} --wd=${q(cwd)} -- ${opts.argv.map(q).join(' ')}${errFd === 2 ? '' : ` ${errFd}>&-`}`,
  );
  return lines.join('\n');
}

/**
 * Runs `argv` inside fresh user, mount, PID, IPC and UTS namespaces (plus a network namespace
 * unless `networking`), through util-linux `unshare`: no daemon, no setuid helper, no real root.
 * The caller is mapped to root inside; only the writable binds can be written to. The command
 * sees exactly `env`. Resolves with its exit status; rejects with `ContainerError` when the
 * container itself could not be set up.
 */
export async function runInContainer(spec: ContainerSpec, opts: RunOptions): Promise<RunResult> {
  const root = await mkdtemp(join(tmpdir(), 'serpent-container-'));
  try {
    const child = spawn('unshare', unshareArgs(spec, setupScript(spec, root, opts, 2, 3)), {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    const onAbort = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let setupErr = '';
    let ready = false;
    child.stdio[3]?.on('data', () => {
      ready = true;
    });
    child.stdout?.on('data', (c: Buffer) => opts.onStdout?.(c));
    child.stderr?.on('data', (c: Buffer) => {
      const text = c.toString('utf8');
      if (!ready && (text.includes('container setup: ') || text.startsWith('unshare: '))) setupErr += text;
      opts.onStderr?.(c);
    });
    const result = await new Promise<RunResult>((resolve, reject) => {
      child.on('error', (e) =>
        reject(
          new ContainerError('CONTAINER_UNAVAILABLE', `cannot start unshare: ${e.message}`, {
            hint: 'install util-linux (it provides unshare)',
            details: { command: 'unshare' },
            cause: e,
          }),
        ),
      );
      child.on('close', (status, signal) => resolve({ status, signal }));
    });
    opts.signal?.removeEventListener('abort', onAbort);
    if (setupErr.startsWith('unshare: ')) {
      throw new ContainerError('CONTAINER_UNAVAILABLE', `cannot create namespaces: ${setupErr.trim()}`, {
        hint: 'user namespaces must be allowed (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0)',
        details: { stderr: setupErr.trim() },
      });
    }
    if (result.status === SETUP_FAILED && setupErr.includes('container setup: ')) {
      throw new ContainerError(
        'CONTAINER_SETUP_FAILED',
        setupErr.slice(setupErr.indexOf('container setup: ')).split('\n')[0]!,
        {
          hint: 'check that every bind source exists and that the root directory can be mounted',
          details: { stderr: setupErr.trim(), root: spec.root },
        },
      );
    }
    return result;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** unshare's arguments: the namespaces, then the setup script. */
export function unshareArgs(spec: ContainerSpec, script: string): string[] {
  const args = ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--kill-child', '--ipc', '--uts'];
  if (!spec.networking) args.push('--net');
  return [...args, '--', '/bin/sh', '-c', script];
}

/** Whether this machine lets us create the namespaces, with the reason when it does not. */
export function probeContainer(): { ok: true } | { ok: false; reason: string } {
  const r = spawnSync(
    'unshare',
    ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--net', 'true'],
    {
      encoding: 'utf8',
    },
  );
  if (r.error) return { ok: false, reason: `unshare not runnable: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: `unshare failed: ${r.stderr.trim()}` };
  return { ok: true };
}
