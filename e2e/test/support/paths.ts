import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** `../shared` beside the checkout: the real fixtures (never copied into the repo). */
export const SHARED = join(REPO, '..', 'shared');
export const HAVE_SHARED = existsSync(join(SHARED, 'fixtures'));
export const NO_SHARED = 'the ../shared folder with the real fixtures is not beside this checkout';
export const MOSS = join(REPO, 'tools', 'moss', 'bin', 'moss.js');
export const MOSS_BUILT = existsSync(join(REPO, 'tools', 'moss', 'dist', 'main.js'));
/** The initrd helper as @serpent/boot's build makes it (absent without a C compiler). */
export const MOSS_FSTX = join(REPO, 'packages', 'boot', 'dist', 'initrd', 'moss-fstx');
/** The dracut module's sources, as a distribution installs them under modules.d/90moss. */
export const DRACUT_MODULE = join(REPO, 'packages', 'boot', 'initrd', 'dracut', '90moss');

/**
 * The environment of a spawned tool: plain output (NO_COLOR), and without the FORCE_COLOR that
 * test runners set, which would both colour the output and make Node warn on stderr that the
 * two conflict.
 */
export function plainEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.FORCE_COLOR;
  return env;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `moss` binary with the pinned Node, as a user would. */
export function moss(
  args: readonly string[],
  opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Run {
  const r = spawnSync(process.execPath, [MOSS, ...args], {
    cwd: opts.cwd ?? REPO,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: plainEnv(opts.env),
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs `moss` without blocking this process: needed when the test itself serves something the
 * child talks to (the HTTP repository server), which spawnSync would deadlock.
 */
export function mossAsync(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MOSS, ...args], {
      cwd: opts.cwd ?? REPO,
      env: plainEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
