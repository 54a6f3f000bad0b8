import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { loadTriggerFiles, type TriggerFile, type TriggerPath, type TriggerScope } from '../src/index.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
/** `../shared` beside the repository: real trigger files and recipe manifests. */
export const SHARED = join(repoRoot, '..', 'shared');
export const TRIGGER_FIXTURES = join(SHARED, 'fixtures', 'triggers');
export const RECIPE_FIXTURES = join(SHARED, 'fixtures', 'recipes');
export const haveFixtures = existsSync(TRIGGER_FIXTURES);
export const skipReason = `../shared/fixtures is absent (looked in ${SHARED})`;

/** The real files and the scope the recipes install them in (tx.d or sys.d, libs.md §3.1). */
export const REAL_TRIGGER_SCOPES: Record<string, TriggerScope> = {
  'fontconfig--trigger.yaml': 'transaction',
  'glib2--trigger.yaml': 'transaction',
  'kmod--trigger.yaml': 'transaction',
  'texinfo--trigger.yaml': 'transaction',
  'glibc--glibc_ldconfig.yaml': 'system',
  'systemd--systemd_tmpfiles.yaml': 'system',
};

export function realTriggerFiles(names = Object.keys(REAL_TRIGGER_SCOPES)): TriggerFile[] {
  return names.map((n) => ({ path: join(TRIGGER_FIXTURES, n), scope: REAL_TRIGGER_SCOPES[n]! }));
}

/**
 * What a VFS listing of a new `/usr` looks like: the given files (and symlinks), every parent
 * directory made explicit, `/` and `/usr` included, sorted.
 */
export function listing(files: readonly string[], extra: readonly TriggerPath[] = []): TriggerPath[] {
  const out = new Map<string, TriggerPath>();
  const addDirs = (p: string) => {
    for (let d = posix.dirname(p); !out.has(d); d = posix.dirname(d)) {
      out.set(d, { path: d, type: 'directory' });
      if (d === '/') break;
    }
  };
  for (const f of files) {
    out.set(f, { path: f, type: 'file' });
    addDirs(f);
  }
  for (const e of extra) {
    out.set(e.path, e);
    addDirs(e.path);
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Writes trigger YAML bodies to a fresh directory and loads them, all in one scope. */
export async function loadInline(bodies: Record<string, string>, scope: TriggerScope = 'transaction') {
  const dir = await mkdtemp(join(tmpdir(), 'serpent-triggers-'));
  const files: TriggerFile[] = [];
  for (const [name, body] of Object.entries(bodies)) {
    const path = join(dir, `${name}.yaml`);
    await writeFile(path, body);
    files.push({ path, scope });
  }
  return { dir, ...(await loadTriggerFiles(files)) };
}

/** A command list as plain argv strings, for readable expectations. */
export function argvs(
  commands: readonly { kind: string; argv?: readonly string[]; paths?: readonly string[] }[],
) {
  return commands.map((c) => (c.kind === 'run' ? c.argv!.join(' ') : `delete ${c.paths!.join(' ')}`));
}
