'use strict';
// The run-time half of a single executable (scripts/build-sea.mjs): the files that must exist
// on disk — the native addons, which only dlopen(3) can load, and data directories read by path
// (recipe macros) — are extracted from the executable once into a directory named after the
// hash of everything in it:
//
//   $XDG_CACHE_HOME/serpent/<tool>-<id>/   (~/.cache/serpent/...; without a home directory,
//                                           $TMPDIR/serpent-<uid>/<tool>-<id>/)
//
// <id> is the SHA-256 of the embedded manifest (every file's path and SHA-256), so another build
// never uses this one's copy. A directory appears under that name only complete: it is written
// under a temporary name and renamed into place. The parent must belong to this user and not be
// writable by anyone else, or it is refused. Each addon's bytes are hashed again and compared
// with the manifest right before dlopen: a stale, truncated or replaced copy is deleted and
// extracted again, and a copy that still does not match is refused.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sea = require('node:sea');

let manifest;
let dir;

function getManifest() {
  manifest ??= JSON.parse(sea.getAsset('manifest.json', 'utf8'));
  return manifest;
}

/** A SerpentError as @serpent/errors makes them (code, hint), which the tools render as such. */
function fail(message, hint) {
  const err = new Error(message);
  err.name = 'SerpentError';
  err.code = 'SEA_ASSETS';
  err.hint = hint;
  err.details = {};
  err.toJSON = () => ({ code: err.code, message, hint });
  throw err;
}

function cacheRoot() {
  const uid = process.getuid?.() ?? 0;
  const root = cacheRootPath();
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const st = fs.statSync(root);
  if (st.uid !== uid || (st.mode & 0o022) !== 0) {
    fail(
      `${root}: refusing to load native code from a directory that another user owns or may write ` +
        `(owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)})`,
      `make it yours and private (chown, chmod 700), or point XDG_CACHE_HOME elsewhere`,
    );
  }
  return root;
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

function extract(target) {
  const m = getManifest();
  const tmp = `${target}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [rel, hash] of Object.entries(m.files)) {
    const bytes = new Uint8Array(sea.getRawAsset(`file:${rel}`));
    if (sha256(bytes) !== hash) {
      fail(
        `${process.execPath}: its own copy of ${rel} does not match its manifest`,
        'the executable is damaged: download or build it again',
      );
    }
    const file = path.join(tmp, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes, { mode: rel.endsWith('.node') ? 0o755 : 0o644 });
  }
  fs.writeFileSync(path.join(tmp, '.complete'), `${m.id}\n`);
  try {
    fs.renameSync(tmp, target);
  } catch (err) {
    // Another process extracted the same files first: theirs are as good as ours.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(target, '.complete'))) throw err;
  }
}

function cacheRootPath() {
  const home = process.env.XDG_CACHE_HOME || (process.env.HOME ? path.join(process.env.HOME, '.cache') : '');
  return home ? path.join(home, 'serpent') : path.join(os.tmpdir(), `serpent-${process.getuid?.() ?? 0}`);
}

/** Where the files are extracted, without touching the disk. */
function plannedAssetDir() {
  const m = getManifest();
  return path.join(cacheRootPath(), `${m.tool}-${m.id.slice(0, 16)}`);
}

/** The directory holding the extracted files (extracting them on first use). */
function assetDir() {
  if (dir !== undefined) return dir;
  cacheRoot();
  const target = plannedAssetDir();
  if (!fs.existsSync(path.join(target, '.complete'))) {
    fs.rmSync(target, { recursive: true, force: true });
    extract(target);
  }
  dir = target;
  return dir;
}

/** Loads the extracted native addon `name` after checking its bytes against the manifest. */
function loadNative(name) {
  const rel = `natives/${name}.node`;
  const want = getManifest().files[rel];
  if (want === undefined) fail(`this executable carries no ${rel}`);
  for (let attempt = 0; ; attempt++) {
    const file = path.join(assetDir(), rel);
    let ok = false;
    try {
      ok = sha256(fs.readFileSync(file)) === want;
    } catch {}
    if (ok) {
      const mod = { exports: {} };
      process.dlopen(mod, file);
      return mod.exports;
    }
    if (attempt > 0) {
      fail(
        `${file} does not match the copy inside this executable; refusing to load it`,
        'something keeps changing the extracted files: check who else writes to that directory',
      );
    }
    fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  }
}

module.exports = { assetDir, plannedAssetDir, loadNative, getManifest };
