import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerError } from './container-error.js';
import {
  type ContainerSpec,
  type RunOptions,
  type RunResult,
  setupScript,
  unshareArgs,
} from './run-in-container.js';
import { reclaimTerminal } from './terminal.js';

/** What `runInteractive` needs: the command, its environment and directory; it gets our terminal. */
export type InteractiveOptions = Pick<RunOptions, 'argv' | 'env' | 'cwd'>;

/**
 * Runs `argv` in the same container as `runInContainer`, but on this process's own stdin,
 * stdout and stderr: a shell a person types into. While it runs, Ctrl-C and Ctrl-\ are the
 * shell's (this process ignores them); afterwards the terminal is given back to this process,
 * because an interactive bash takes it over for its own process group and, being pid 1 of the
 * container, cannot hand it back to a group outside its namespace. Container setup failures
 * arrive on a separate pipe (fd 3), so they are told apart from the shell's own exit status.
 */
export async function runInteractive(spec: ContainerSpec, opts: InteractiveOptions): Promise<RunResult> {
  const root = await mkdtemp(join(tmpdir(), 'serpent-container-'));
  const ignore = () => {};
  const signals = ['SIGINT', 'SIGQUIT'] as const;
  for (const s of signals) process.on(s, ignore);
  try {
    const child = spawn('unshare', unshareArgs(spec, setupScript(spec, root, opts, 3)), {
      stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    let setupErr = '';
    child.stdio[3]?.on('data', (c: Buffer) => {
      setupErr += c.toString('utf8');
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
    if (setupErr.includes('container setup: ')) {
      throw new ContainerError('CONTAINER_SETUP_FAILED', setupErr.trim().split('\n')[0]!, {
        hint: 'check that every bind source exists and that the root directory can be mounted',
        details: { stderr: setupErr.trim(), root: spec.root },
      });
    }
    return result;
  } finally {
    reclaimTerminal();
    for (const s of signals) process.off(s, ignore);
    await rm(root, { recursive: true, force: true });
  }
}
