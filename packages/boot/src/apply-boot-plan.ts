import { promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFileAtomic, hashFile, TEMP_SUFFIX, writeFileAtomic } from './atomic-write.js';
import { renderBootEntry } from './boot-entry.js';
import { ioError } from './boot-error.js';
import { joinCaseInsensitive } from './case-insensitive-path.js';
import type { planBootEntries } from './plan-boot-entries.js';
import type { BootEvent, SyncedEntry } from './sync-boot-types.js';

export const MANIFEST_NAME = 'serpent-boot.json';

interface Manifest {
  readonly entries: string[];
  readonly files: string[];
}

/**
 * Writes a plan into `bootRoot`: the manifest is widened to what will be written, kernels and
 * initrds copied (those already there by content skipped), entries written, then whatever the
 * old manifest named and the plan does not is removed and the manifest narrowed. Only files the
 * manifest names are ever removed, so a crash leaves at worst files the next run removes.
 */
export async function applyBootPlan(
  plan: ReturnType<typeof planBootEntries>,
  bootRoot: string,
  token: string,
  emit: (e: BootEvent) => void,
  installBootloader: () => Promise<void>,
): Promise<{ entries: SyncedEntry[]; copied: string[]; unchanged: number; removed: string[] }> {
  const manifestPath = joinCaseInsensitive(bootRoot, `${token}/${MANIFEST_NAME}`);
  const old = readManifest(manifestPath);
  const next: Manifest = {
    entries: plan.entries.map((e) => e.fileName),
    files: plan.files.map((f) => f.target),
  };
  await writeManifest(manifestPath, {
    entries: union(old.entries, next.entries),
    files: union(old.files, next.files),
  });

  const copied: string[] = [];
  let unchanged = 0;
  for (const file of plan.files) {
    const dest = joinCaseInsensitive(bootRoot, file.target);
    if ((await hashFile(dest)) === file.sha256) {
      unchanged++;
      continue;
    }
    emit({ type: 'boot-copy', source: file.source, target: dest });
    await copyFileAtomic(file.source, dest);
    copied.push(dest);
  }
  const entries: SyncedEntry[] = [];
  for (const [i, planned] of plan.entries.entries()) {
    const dest = joinCaseInsensitive(bootRoot, `loader/entries/${planned.fileName}`);
    const text = renderBootEntry(planned.entry);
    const changed = readIfExists(dest) !== text;
    if (changed) await writeFileAtomic(dest, text);
    emit({ type: 'boot-entry', path: dest, stateId: planned.stateId, changed });
    entries.push({
      path: dest,
      stateId: planned.stateId,
      kernelVersion: planned.kernelVersion,
      title: planned.entry.title,
      isDefault: i === 0,
    });
  }
  await installBootloader();

  const removed: string[] = [];
  const stale = [
    ...old.entries.filter((n) => !next.entries.includes(n)).map((n) => `loader/entries/${n}`),
    ...old.files.filter((t) => !next.files.includes(t)),
  ];
  for (const rel of stale) {
    const path = joinCaseInsensitive(bootRoot, rel);
    if (await removeFile(path)) {
      removed.push(path);
      emit({ type: 'boot-remove', path });
    }
  }
  await removeLeftovers(joinCaseInsensitive(bootRoot, token), true);
  await removeLeftovers(joinCaseInsensitive(bootRoot, 'loader/entries'), false);
  await writeManifest(manifestPath, next);

  return { entries, copied, unchanged, removed };
}

function readManifest(path: string): Manifest {
  const text = readIfExists(path);
  if (text === undefined) return { entries: [], files: [] };
  try {
    const value = JSON.parse(text) as Partial<Manifest>;
    const strings = (v: unknown): string[] =>
      Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
    // Names are re-checked so a damaged manifest can never point outside our own files.
    return {
      entries: strings(value.entries).filter((n) => /^[^/]+\.conf$/.test(n)),
      files: strings(value.files).filter((f) => f.startsWith('/') && !f.split('/').includes('..')),
    };
  } catch {
    return { entries: [], files: [] };
  }
}

async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify({ version: 1, ...manifest }, null, 2)}\n`);
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, 'reading', error);
  }
}

/** True when the file was there and is now gone. */
async function removeFile(path: string): Promise<boolean> {
  try {
    await fsp.unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(path, 'removing', error);
    return false;
  }
}

/** Removes crashed temporary copies and (in our own directory) directories left empty. */
async function removeLeftovers(dir: string, pruneEmpty: boolean): Promise<boolean> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return false;
  }
  let remaining = names.length;
  for (const name of names) {
    const path = join(dir, name);
    const stat = await fsp.lstat(path);
    if (stat.isDirectory() && pruneEmpty) {
      if (await removeLeftovers(path, true)) {
        await fsp.rmdir(path);
        remaining--;
      }
    } else if (stat.isFile() && name.endsWith(TEMP_SUFFIX)) {
      await fsp.unlink(path);
      remaining--;
    }
  }
  return remaining === 0;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
