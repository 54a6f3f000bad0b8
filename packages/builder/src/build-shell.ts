import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ContainerSpec, type RunResult, runInteractive } from '@serpent/container';
import { BuildError } from './build-error.js';
import { GUEST, type Workspace } from './workspace.js';

export interface ShellRequest {
  readonly spec: ContainerSpec;
  readonly ws: Workspace;
  /** `x86_64`, `emul32/x86_64`: HOME is that target's build dir, where `.profile` goes. */
  readonly target: string;
  /** The job's `.profile`: its environment, macros as functions and variables. */
  readonly profile: string;
  /** Where the shell starts, inside the container. */
  readonly cwd: string;
}

/**
 * A login bash in the build's container on this process's terminal, as at a breakpoint and in
 * `boulder chroot`: HOME is the target's build dir, whose `.profile` (written here) gives the
 * build's environment. The environment is otherwise cleared, PATH `/usr/bin:/usr/sbin` and
 * TERM the caller's (so the person's terminal keeps working). Resolves the shell's status.
 */
export async function openBuildShell(req: ShellRequest): Promise<RunResult> {
  const root = req.spec.root === 'host' ? '/' : req.spec.root;
  if (
    !(await access(join(root, 'usr/bin/bash')).then(
      () => true,
      () => false,
    ))
  ) {
    throw new BuildError('BUILD_ROOT_UNAVAILABLE', `the build root ${root} has no bash for the shell`, {
      hint: 'add bash to the recipe’s builddeps (boulder’s own roots always have it), or use --host',
      details: { root },
    });
  }
  await writeFile(join(req.ws.build, req.target, '.profile'), req.profile);
  return runInteractive(req.spec, {
    argv: ['/bin/bash', '--login'],
    env: {
      HOME: `${GUEST.build}/${req.target}`,
      PATH: '/usr/bin:/usr/sbin',
      TERM: process.env.TERM || 'xterm-256color',
    },
    cwd: req.cwd,
  });
}
