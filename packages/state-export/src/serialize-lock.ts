import { compareUtf8 } from '@serpent/stone';
import { LOCK_FORMAT, LOCK_VERSION, type Lock, type LockedPackage, type LockRepository } from './lock.js';

/** `{ "a": 1, "b": "x" }` with the keys in the order given and undefined values left out. */
function oneLine(entries: readonly (readonly [string, unknown])[]): string {
  return `{ ${entries
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ')} }`;
}

const repoLine = (r: LockRepository) =>
  oneLine([
    ['name', r.name],
    ['uri', r.uri],
    ['priority', r.priority],
    ['indexSha256', r.indexSha256],
  ]);

const packageLine = (p: LockedPackage) =>
  oneLine([
    ['name', p.name],
    ['version', p.version],
    ['release', p.release],
    ['buildRelease', p.buildRelease],
    ['hash', p.hash],
    ['explicit', p.explicit],
    ['repository', p.repository],
    ['uri', p.uri],
    ['size', p.size],
  ]);

const list = (lines: readonly string[]) =>
  lines.length === 0 ? '[]' : `[\n    ${lines.join(',\n    ')}\n  ]`;

/**
 * The lock file's text: JSON, deterministic (keys in a fixed order, packages by name then hash,
 * repositories as given), one line per repository and per package so that a diff of two locks
 * reads as the list of packages that changed. Any JSON parser reads it.
 */
export function serializeLock(lock: Lock): string {
  const packages = [...lock.packages].sort(
    (a, b) => compareUtf8(a.name, b.name) || compareUtf8(a.hash, b.hash),
  );
  const head: string[] = [`  "format": ${JSON.stringify(LOCK_FORMAT)}`, `  "version": ${LOCK_VERSION}`];
  if (lock.generator !== undefined) head.push(`  "generator": ${JSON.stringify(lock.generator)}`);
  if (lock.state !== undefined)
    head.push(
      `  "state": ${oneLine([
        ['id', lock.state.id],
        ['created', lock.state.created],
        ['summary', lock.state.summary],
      ])}`,
    );
  head.push(`  "repositories": ${list(lock.repositories.map(repoLine))}`);
  head.push(`  "packages": ${list(packages.map(packageLine))}`);
  return `{\n${head.join(',\n')}\n}\n`;
}
