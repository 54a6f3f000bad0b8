// Disk hygiene for the benchmarks that create hundreds of thousands of files (the transaction
// and repository benchmarks).
//
// Why: on this machine kind / is ext4 without a journal, where the inode allocator skips every
// inode deleted in the last 60 s (360 s while its inode-table block is dirty), testing them
// one by one (`recently_deleted()` in fs/ext4/ialloc.c). Creating the 325k assets of the
// transaction benchmark right after deleting the previous run's tree took 404 µs per asset
// against 208 µs with no deletion in the minutes before (perf: 63% of all samples in
// `__ext4_new_inode`, under `find_inode_bit` → `recently_deleted`). So a run deletes what
// earlier runs left, then waits until those inodes are no longer recent before measuring.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Seconds after a deletion before its inodes stop being "recently deleted" (360 s + margin). */
export const SETTLE_SECONDS = 380;

const stampOf = (dir) => join(dir, '.last-delete');

/**
 * Deletes the earlier runs' directories (`<prefix>*` in `dir`), then waits until no deletion in
 * `dir` is younger than SETTLE_SECONDS, saying why. Returns the seconds it waited.
 */
export async function settleDisk(dir, prefix, log) {
  const leftovers = existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith(prefix)) : [];
  let last = 0;
  if (leftovers.length > 0) {
    const t = performance.now();
    spawnSync('rm', ['-rf', ...leftovers.map((d) => join(dir, d))]);
    last = Math.floor(Date.now() / 1000);
    writeFileSync(stampOf(dir), `${last}\n`);
    log(`removed ${leftovers.length} earlier run(s) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  try {
    // A stamp that does not parse is being written (a background deletion just finished): now.
    const stamp = Number.parseInt(readFileSync(stampOf(dir), 'utf8'), 10);
    last = Math.max(last, Number.isFinite(stamp) ? stamp : Math.floor(Date.now() / 1000));
  } catch {}
  const wait = Math.ceil(last + SETTLE_SECONDS - Date.now() / 1000);
  if (wait <= 0) return 0;
  log(
    `waiting ${wait} s: files were deleted here less than ${SETTLE_SECONDS} s ago, and ext4 without a ` +
      'journal skips recently deleted inodes one by one when creating files, which would be measured ' +
      '(see scripts/bench-disk.mjs)',
  );
  spawnSync('sync');
  await new Promise((r) => setTimeout(r, wait * 1000));
  return wait;
}

/** Deletes `runDir` in the background, stamping the time it finished for the next settleDisk. */
export function removeInBackground(dir, runDir) {
  // The stamp is written whatever rm says (a concurrent rm of the same tree makes it complain),
  // and renamed into place so a reader never sees it half-written.
  const script = 'rm -rf "$1"; date +%s > "$2.tmp" && mv "$2.tmp" "$2"';
  const rm = spawn('sh', ['-c', script, 'sh', runDir, stampOf(dir)], {
    detached: true,
    stdio: 'ignore',
  });
  rm.unref();
  return rm.pid;
}
