import { copyFile, link, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bind } from '@serpent/container';
import type { BuildPlan } from './build-plan.js';
import { type FetchedUpstream, git } from './fetch-upstreams.js';
import { upstreamFileName } from './upstream.js';

/** Guest paths, as boulder's macros (`%(installroot)`, `%(sourcedir)`, ...) name them. */
export const GUEST = {
  build: '/mason/build',
  install: '/mason/install',
  source: '/mason/sourcedir',
  recipe: '/mason/recipe',
  scripts: '/mason/scripts',
} as const;

/** A build's directories on this machine: `<cacheDir>/build/<name>-<version>-<release>/...`. */
export interface Workspace {
  readonly root: string;
  readonly build: string;
  readonly install: string;
  readonly source: string;
  readonly scripts: string;
  readonly logs: string;
}

export function workspaceOf(
  cacheDir: string,
  plan: Pick<BuildPlan, 'name' | 'version' | 'release'>,
): Workspace {
  const root = join(cacheDir, 'build', `${plan.name}-${plan.version}-${plan.release}`);
  return {
    root,
    build: join(root, 'build'),
    install: join(root, 'install'),
    source: join(root, 'sourcedir'),
    scripts: join(root, 'scripts'),
    logs: join(root, 'logs'),
  };
}

const dirsOf = (ws: Workspace) => [ws.build, ws.install, ws.source, ws.scripts, ws.logs];

/** A fresh workspace: the last build's is removed, the verified sources are linked in. */
export async function createWorkspace(ws: Workspace, fetched: readonly FetchedUpstream[]): Promise<void> {
  await rm(ws.root, { recursive: true, force: true });
  for (const d of dirsOf(ws)) await mkdir(d, { recursive: true });
  await shareSources(fetched, ws.source);
}

/** The last build's workspace as it is (a failed build's files stay to be looked at), or empty dirs. */
export async function keepWorkspace(ws: Workspace): Promise<void> {
  for (const d of dirsOf(ws)) await mkdir(d, { recursive: true });
}

/** What the container sees: build and install writable; sources, recipe and scripts read-only. */
export function workspaceBinds(ws: Workspace, recipeDir: string): Bind[] {
  return [
    { host: ws.build, guest: GUEST.build, writable: true },
    { host: ws.install, guest: GUEST.install, writable: true },
    { host: ws.source, guest: GUEST.source },
    { host: recipeDir, guest: GUEST.recipe },
    { host: ws.scripts, guest: GUEST.scripts },
  ];
}

/** Hard-links (or copies, across filesystems) each verified file into the source dir; checks out git refs. */
async function shareSources(fetched: readonly FetchedUpstream[], sourceDir: string): Promise<void> {
  for (const f of fetched) {
    const dest = join(sourceDir, upstreamFileName(f.upstream));
    if (f.upstream.kind === 'plain') {
      await link(f.path, dest).catch(() => copyFile(f.path, dest));
      continue;
    }
    await git(['clone', '--quiet', '--no-checkout', f.path, dest], f.upstream.uri);
    await git(['-C', dest, 'checkout', '--quiet', '--detach', f.upstream.ref], f.upstream.uri);
    if (await stat(join(dest, '.gitmodules')).catch(() => undefined)) {
      await git(
        ['-C', dest, 'submodule', 'update', '--init', '--recursive', '--depth', '1', '--jobs', '4'],
        f.upstream.uri,
      );
    }
  }
}
