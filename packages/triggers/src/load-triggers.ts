import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSerpentError } from '@serpent/errors';
import { parseTrigger } from './parse-trigger.js';
import type { Trigger, TriggerScope, TriggerWarning } from './trigger.js';

/** One trigger file and the scope its location gives it. */
export interface TriggerFile {
  readonly path: string;
  readonly scope: TriggerScope;
}

export interface LoadedTriggers {
  /** In load order; names are unique per scope. */
  readonly triggers: Trigger[];
  /** One per file that was left out, naming the file, the line and the reason. */
  readonly warnings: TriggerWarning[];
}

function errorCode(e: unknown): string | undefined {
  return (e as { code?: unknown })?.code as string | undefined;
}

/**
 * The files under one trigger root (`<usr>/share/moss/triggers`): `tx.yaml`, then `tx.d/*.yaml`,
 * then `sys.yaml`, then `sys.d/*.yaml`, each directory sorted by name (upstream used the unsorted
 * listing order, so which of two same-named triggers won depended on the filesystem).
 */
async function rootFiles(root: string, warnings: TriggerWarning[]): Promise<TriggerFile[]> {
  const files: TriggerFile[] = [];
  for (const [base, scope] of [
    ['tx', 'transaction'],
    ['sys', 'system'],
  ] as const) {
    const single = join(root, `${base}.yaml`);
    if (
      await stat(single).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      files.push({ path: single, scope });
    const dir = join(root, `${base}.d`);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if (errorCode(e) === 'ENOENT') continue;
      warnings.push({
        file: dir,
        line: undefined,
        code: 'TRIGGERS_UNREADABLE',
        message: `${dir}: cannot list: ${(e as Error).message}`,
      });
      continue;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      if (name.endsWith('.yaml')) files.push({ path, scope });
      else if (name.endsWith('.yml'))
        warnings.push({
          file: path,
          line: undefined,
          code: 'TRIGGERS_IGNORED_FILE',
          message: `${path}: ignored, trigger files end in .yaml`,
        });
    }
  }
  return files;
}

/**
 * Loads trigger files in the order given. A file that cannot be read or is invalid is left out
 * with a warning naming it, the line and the reason (upstream skipped it silently). A second
 * trigger with a name already loaded in the same scope is left out with a warning.
 */
export async function loadTriggerFiles(files: readonly TriggerFile[]): Promise<LoadedTriggers> {
  const triggers: Trigger[] = [];
  const warnings: TriggerWarning[] = [];
  const seen = new Map<string, Trigger>();
  const texts = await Promise.all(
    files.map((f) =>
      readFile(f.path, 'utf8').then(
        (text) => ({ text }),
        (error: unknown) => ({ error }),
      ),
    ),
  );
  files.forEach((f, i) => {
    const read = texts[i]!;
    if ('error' in read) {
      warnings.push({
        file: f.path,
        line: undefined,
        code: 'TRIGGERS_UNREADABLE',
        message: `${f.path}: cannot read: ${(read.error as Error).message}`,
      });
      return;
    }
    let t: Trigger;
    try {
      t = parseTrigger(read.text, f.path, f.scope);
    } catch (e) {
      if (!isSerpentError(e)) throw e;
      warnings.push({
        file: f.path,
        line: e.details.line as number | undefined,
        code: e.code,
        message: e.message,
      });
      return;
    }
    const key = `${t.scope}\0${t.name}`;
    const first = seen.get(key);
    if (first) {
      warnings.push({
        file: f.path,
        line: undefined,
        code: 'TRIGGERS_DUPLICATE_NAME',
        message: `${f.path}: left out: trigger ${JSON.stringify(t.name)} is already loaded from ${first.file}`,
      });
      return;
    }
    seen.set(key, t);
    triggers.push(t);
  });
  return { triggers, warnings };
}

/**
 * Loads every trigger under each trigger root (`<usr>/share/moss/triggers`): `tx.yaml` and
 * `tx.d/*.yaml` as transaction triggers, `sys.yaml` and `sys.d/*.yaml` as system triggers.
 * Missing files and directories are normal (most roots have only one scope).
 */
export async function loadTriggers(dirs: readonly string[]): Promise<LoadedTriggers> {
  const warnings: TriggerWarning[] = [];
  const files: TriggerFile[] = [];
  for (const dir of dirs) for (const f of await rootFiles(dir, warnings)) files.push(f);
  const loaded = await loadTriggerFiles(files);
  return { triggers: loaded.triggers, warnings: [...warnings, ...loaded.warnings] };
}
