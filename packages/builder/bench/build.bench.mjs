// boulder build's own costs on this machine, each against a reference in the same run:
//  1. a phase's container start (user+mount+pid+net namespaces, host /usr bind) against a bare
//     `unshare` of the same namespaces and against a plain spawn;
//  2. collection + analysis of a real install root (this machine's /usr/bin and
//     /usr/lib/x86_64-linux-gnu, hard-linked) against binutils `readelf -dlnW` over the same ELF files.
// Run: npx pnpm@10.34.8 --filter @serpent/builder bench   (after a build)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInContainer } from '@serpent/container';
import { analyzeFiles, collectInstallRoot, defaultPackages, mergePackages } from '../dist/index.js';

const ms = (t) => `${t.toFixed(1)} ms`;
const time = async (n, f) => {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  return (performance.now() - t0) / n;
};

const N = 20;
const plain = await time(N, () => spawnSync('true'));
const bare = await time(N, () =>
  spawnSync('unshare', [
    '--user',
    '--map-root-user',
    '--mount',
    '--pid',
    '--fork',
    '--net',
    '--ipc',
    '--uts',
    'true',
  ]),
);
const ours = await time(N, () => runInContainer({ root: 'host' }, { argv: ['/bin/true'], env: {} }));
console.log(
  `container start (mean of ${N}): spawn ${ms(plain)}, bare unshare ${ms(bare)}, runInContainer ${ms(ours)}`,
);
console.log(`  runInContainer / bare unshare = ${(ours / bare).toFixed(2)}×`);

const root = mkdtempSync(join(tmpdir(), 'build-bench-'));
try {
  mkdirSync(join(root, 'usr', 'lib'), { recursive: true });
  execFileSync('cp', ['-al', '/usr/bin', join(root, 'usr', 'bin')]);
  if (existsSync('/usr/lib/x86_64-linux-gnu'))
    execFileSync('cp', ['-al', '/usr/lib/x86_64-linux-gnu', join(root, 'usr', 'lib', 'x86_64-linux-gnu')]);
  const { rules } = mergePackages(defaultPackages('bench'), []);
  // Warm the page cache so both sides read from memory.
  execFileSync('sh', ['-c', `find ${root} -type f -print0 | xargs -0 cat > /dev/null`]);
  let t0 = performance.now();
  const { files } = await collectInstallRoot(root);
  const collectMs = performance.now() - t0;
  t0 = performance.now();
  const buckets = await analyzeFiles(files, { rules, installDir: root, buildRoot: '/nonexistent' });
  const analyzeMs = performance.now() - t0;
  const providers = [...buckets.values()].reduce((n, b) => n + b.providers.size, 0);
  const elfs = execFileSync(
    'sh',
    ['-c', `find ${root} -type f -size +51c -exec sh -c 'head -c4 "$1" | grep -q ELF && echo "$1"' _ {} \\;`],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  )
    .split('\n')
    .filter(Boolean);
  t0 = performance.now();
  for (let i = 0; i < elfs.length; i += 200) {
    spawnSync('readelf', ['-dlnW', ...elfs.slice(i, i + 200)], { maxBuffer: 1 << 28 });
  }
  const readelfMs = performance.now() - t0;
  console.log(`install root: ${files.length} paths, ${elfs.length} ELF files, ${providers} providers found`);
  console.log(
    `  collect ${ms(collectMs)}, analyze ${ms(analyzeMs)} (${((files.length / analyzeMs) * 1000).toFixed(0)} paths/s); readelf -dlnW over the ELF files ${ms(readelfMs)}`,
  );
  console.log(`  analyze / readelf = ${(analyzeMs / readelfMs).toFixed(2)}×`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
