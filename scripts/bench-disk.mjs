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
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Seconds after a deletion before its inodes stop being "recently deleted" (360 s + margin). */
export const SETTLE_SECONDS = 380;

// One stamp for every benchmark of the repository: a deletion by one benchmark slows the next
// one's file creation wherever it runs on this disk. It holds `deleting <pid>` while a
// background deletion runs, then the time (s) it ended.
const STAMP = join(dirname(fileURLToPath(import.meta.url)), '..', '.bench', '.last-delete');

function writeStamp(text) {
  mkdirSync(dirname(STAMP), { recursive: true });
  writeFileSync(`${STAMP}.tmp`, text);
  renameSync(`${STAMP}.tmp`, STAMP);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Deletes the earlier runs' directories (`<prefix>*` in `dir`), waits for a background deletion
 * of another run to finish, then waits until no deletion is younger than SETTLE_SECONDS,
 * saying why. Returns the seconds it waited.
 */
export async function settleDisk(dir, prefix, log) {
  const t0 = performance.now();
  const leftovers = existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith(prefix)) : [];
  if (leftovers.length > 0) {
    const t = performance.now();
    spawnSync('rm', ['-rf', ...leftovers.map((d) => join(dir, d))]);
    writeStamp(`${Math.floor(Date.now() / 1000)}\n`);
    log(`removed ${leftovers.length} earlier run(s) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  let said = false;
  for (;;) {
    let text = '';
    try {
      text = readFileSync(STAMP, 'utf8');
    } catch {}
    const deleting = /^deleting (\d+)/.exec(text);
    if (deleting && alive(Number(deleting[1]))) {
      if (!said) log(`waiting for the background deletion of an earlier run (pid ${deleting[1]}) to finish`);
      said = true;
      await new Promise((r) => setTimeout(r, 5000));
      continue;
    }
    // A deletion that died before stamping its end counts as ending now.
    const last = deleting ? Math.floor(Date.now() / 1000) : Number.parseInt(text, 10) || 0;
    if (deleting) writeStamp(`${last}\n`);
    const wait = Math.ceil(last + SETTLE_SECONDS - Date.now() / 1000);
    if (wait > 0) {
      log(
        `waiting ${wait} s: files were deleted on this disk less than ${SETTLE_SECONDS} s ago, and ext4 ` +
          'without a journal skips recently deleted inodes one by one when creating files, which would ' +
          'be measured (see scripts/bench-disk.mjs)',
      );
      spawnSync('sync');
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
    return Math.round((performance.now() - t0) / 1000);
  }
}

/** Deletes `runDir` in the background, stamping when it runs and when it finished (settleDisk). */
export function removeInBackground(runDir) {
  // The end is stamped whatever rm says (a concurrent rm of the same tree makes it complain),
  // renamed into place so that a reader never sees it half-written.
  const script = 'rm -rf "$1"; date +%s > "$2.tmp" && mv "$2.tmp" "$2"';
  mkdirSync(dirname(STAMP), { recursive: true });
  const rm = spawn('sh', ['-c', script, 'sh', runDir, STAMP], {
    detached: true,
    stdio: 'ignore',
  });
  rm.unref();
  // Written here, not by the shell, so that a benchmark started right after already sees it.
  writeStamp(`deleting ${rm.pid}\n`);
  return rm.pid;
}

/** Files and directories under `dir` (`find`), e.g. of a store for a reference copy. */
export function countTree(dir) {
  const count = (type) =>
    Number(
      spawnSync('sh', ['-c', `find "$0" -type ${type} | wc -l`, dir], { encoding: 'utf8' }).stdout.trim(),
    );
  return { files: count('f'), dirs: count('d') };
}
