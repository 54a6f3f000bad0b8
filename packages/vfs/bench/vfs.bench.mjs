// Build and blit a /usr the size of a real desktop, and `cp -al` the same tree in the same run.
//
//   pnpm bench                              (after `tsc -b`)
//   VFS_BENCH_ENTRIES=300000 VFS_BENCH_ROUNDS=3 VFS_BENCH_WORKERS=0,2,3 node bench/vfs.bench.mjs
//   VFS_BENCH_ASSET_MODES=store|stat|both (who knows the assets' modes; default both)
//   VFS_BENCH_BUILD_ONLY=1 (time buildTree only)
//
// The tree comes from the file lists of the real recipes in ../shared/fixtures/recipes
// (manifest.x86_64.jsonc), replicated until it has VFS_BENCH_ENTRIES entries: copy k renames
// the second component under /usr (`share/man` → `share/man-r3`, `bin/nano` → `bin/nano-r3`),
// which keeps the real directory sizes and depths. The manifests list files only, so the
// shape of the rest is derived: `libX.so`/`libX.so.N` beside a longer versioned library become
// symlinks to it (as real -devel and soname links are), `__init__.py`/`.keep`-style files are
// empty, files in bin/, sbin/, libexec/ and shared libraries are 0755, everything else 0644.
// Every other file gets its own store asset (real systems share little content).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blit, buildTree, EMPTY_FILE_HASH, mossAssetPath } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const recipes = join(here, '..', '..', '..', '..', 'shared', 'fixtures', 'recipes');
if (!existsSync(recipes)) {
  console.log(`SKIP: ${recipes} is missing (the ../shared reference folder beside the repo)`);
  process.exit(0);
}
const wanted = Number(process.env.VFS_BENCH_ENTRIES ?? 300_000);
const rounds = Number(process.env.VFS_BENCH_ROUNDS ?? 3);
const workerCounts = (process.env.VFS_BENCH_WORKERS ?? 'default')
  .split(',')
  .map((w) => (w === 'default' ? undefined : Number(w)));
// 'store': the store reports asset modes (AssetSource.assetMode); 'stat': the blit stats
// each asset; 'both' runs every worker count both ways.
const modeKinds = { store: ['store'], stat: ['stat'], both: ['store', 'stat'] }[
  process.env.VFS_BENCH_ASSET_MODES ?? 'both'
];

// --- the file lists -----------------------------------------------------------------------
const lists = [];
for (const letter of readdirSync(recipes).sort()) {
  for (const name of readdirSync(join(recipes, letter)).sort()) {
    const f = join(recipes, letter, name, 'manifest.x86_64.jsonc');
    if (!existsSync(f)) continue;
    const json = JSON.parse(readFileSync(f, 'utf8').replace(/^\s*\/\*[\s\S]*?\*\//, ''));
    for (const [pkg, p] of Object.entries(json.packages)) lists.push({ pkg, files: p.files ?? [] });
  }
}
const EMPTY_NAMES = new Set(['__init__.py', '.keep', '.gitkeep', '.empty', 'py.typed']);
// Manifests also list the (empty) directories a package ships: a listed path that is the
// parent of another listed path, in any package, is one.
const parents = new Set();
for (const l of lists)
  for (const f of l.files) for (let d = dirname(f); d !== '/'; d = dirname(d)) parents.add(d);
function shape(files) {
  const set = new Set(files);
  return files.map((abs) => {
    const target = abs.replace(/^\/usr\//, '');
    if (parents.has(abs)) return { type: 'directory', target };
    const base = target.split('/').pop();
    const m = /^(lib.*\.so)(\.\d+)?$/.exec(base);
    if (m) {
      const longer = files.filter((o) => o !== abs && o.startsWith(`${abs}.`) && dirname(o) === dirname(abs));
      if (longer.length > 0) {
        const to = longer.sort((a, b) => b.length - a.length)[0];
        if (set.has(to)) return { type: 'symlink', target, source: to.split('/').pop() };
      }
    }
    if (EMPTY_NAMES.has(base)) return { type: 'empty', target };
    const exec = /^(s?bin|libexec)\//.test(target) || /\.so(\.\d+)*$/.test(base);
    return { type: 'regular', target, mode: exec ? 0o755 : 0o644 };
  });
}
const base = lists.map((l) => ({ pkg: l.pkg, entries: shape(l.files) }));
const dirsOf = (targets) => {
  const d = new Set();
  for (const t of targets) {
    const parts = t.split('/');
    for (let i = 1; i < parts.length; i++) d.add(parts.slice(0, i).join('/'));
  }
  return d.size;
};
const perCopy =
  base.reduce((n, p) => n + p.entries.length, 0) +
  dirsOf(base.flatMap((p) => p.entries.map((e) => e.target)));
const copies = Math.max(1, Math.ceil(wanted / perCopy));

const rename = (t, k) => {
  if (k === 0) return t;
  const parts = t.split('/');
  if (parts.length >= 2) parts[1] = `${parts[1]}-r${k}`;
  return parts.join('/');
};
const inputs = [];
const assets = [];
for (let k = 0; k < copies; k++) {
  for (const p of base) {
    const pkg = k === 0 ? p.pkg : `${p.pkg}-r${k}`;
    for (const e of p.entries) {
      const target = rename(e.target, k);
      const common = { uid: 0, gid: 0, tag: 0, target };
      if (e.type === 'directory') {
        inputs.push({ pkg, entry: { ...common, mode: 0o40755, type: 'directory' } });
      } else if (e.type === 'symlink') {
        // A sibling link: the renamed component is the file name itself for `lib/x` paths.
        const source = target.split('/').length === 2 && k > 0 ? `${e.source}-r${k}` : e.source;
        inputs.push({ pkg, entry: { ...common, mode: 0o120777, type: 'symlink', source } });
      } else if (e.type === 'empty') {
        inputs.push({ pkg, entry: { ...common, mode: 0o100644, type: 'regular', hash: EMPTY_FILE_HASH } });
      } else {
        const hash = createHash('md5').update(target).digest('hex');
        assets.push({ hash, mode: e.mode });
        inputs.push({ pkg, entry: { ...common, mode: 0o100000 | e.mode, type: 'regular', hash } });
      }
    }
  }
}

// --- build ----------------------------------------------------------------------------------
let t = performance.now();
const tree = buildTree(inputs);
const buildS = (performance.now() - t) / 1000;
const n = tree.size;
console.log(
  `buildTree: ${inputs.length} layout entries → ${n} tree entries (${tree.counts.directories} dirs, ` +
    `${tree.counts.files} files, ${tree.counts.symlinks} symlinks) in ${buildS.toFixed(2)} s ` +
    `(${Math.round(inputs.length / buildS / 1000)}k entries/s)`,
);

if (process.env.VFS_BENCH_BUILD_ONLY === '1') process.exit(0);

// --- the store (not timed) ----------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'vfs-bench-'));
const store = join(work, 'store');
t = performance.now();
const made = new Set();
for (const a of assets) {
  const p = mossAssetPath(store, a.hash);
  const d = dirname(p);
  if (!made.has(d)) {
    mkdirSync(d, { recursive: true });
    made.add(d);
  }
  writeFileSync(p, a.hash, { mode: a.mode });
}
const modeOf = new Map(assets.map((a) => [a.hash, a.mode]));
console.log(
  `store: ${assets.length} assets in ${((performance.now() - t) / 1000).toFixed(1)} s; ` +
    `${base.length} packages × ${copies} copies`,
);

// --- blit versus cp -al ------------------------------------------------------------------------
const sources = {
  store: { assetPath: (h) => mossAssetPath(store, h), assetMode: (h) => modeOf.get(h) },
  stat: store,
};
const variants = workerCounts.flatMap((w) => modeKinds.map((m) => ({ w, m, times: [] })));
const sync = () => spawnSync('sync');
const clean = (p) => rmSync(p, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpTimes = [];
const a = join(work, 'a');
const b = join(work, 'b');
for (let r = 0; r < rounds; r++) {
  for (const v of variants) {
    clean(a);
    sync();
    const res = await blit(tree, a, { store: sources[v.m], ...(v.w === undefined ? {} : { workers: v.w }) });
    v.times.push(res.seconds);
    if (r === 0 && v === variants[0]) console.log('blit result:', JSON.stringify(res));
  }
  clean(b);
  sync();
  t = performance.now();
  execFileSync('cp', ['-al', a, b]);
  cpTimes.push((performance.now() - t) / 1000);
  console.log(
    `round ${r + 1}: cp -al ${cpTimes[r].toFixed(2)} s; ` +
      variants.map((v) => `blit(${v.w ?? 'default'}, ${v.m}) ${v.times[r].toFixed(2)} s`).join('; '),
  );
}
// Best of the rounds: the machine is shared and noise only ever makes a run slower.
const rate = (s) => Math.round(n / s);
const best = (xs) => Math.min(...xs);
const runs = (xs) => xs.map((x) => x.toFixed(2)).join(', ');
const cpS = best(cpTimes);
console.log(
  `cp -al: best ${cpS.toFixed(2)} s → ${rate(cpS)} entries/s (median ${median(cpTimes).toFixed(2)} s; runs ${runs(cpTimes)})`,
);
for (const { w, m, times: xs } of variants) {
  const s = best(xs);
  console.log(
    `blit (workers ${w ?? 'default'}, ${m === 'store' ? 'modes from the store' : 'asset modes by stat'}): ` +
      `best ${s.toFixed(2)} s → ${rate(s)} entries/s = ${(cpS / s).toFixed(2)}× cp -al ` +
      `(median ${median(xs).toFixed(2)} s = ${(median(cpTimes) / median(xs)).toFixed(2)}× the cp -al median; runs ${runs(xs)})`,
  );
}
clean(work);
