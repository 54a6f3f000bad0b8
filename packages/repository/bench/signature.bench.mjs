// Benchmark: what verifying a signed stone.index costs, against the reference tools on the same
// files in the same run: `minisign -V` (the same check, C + libsodium, one process each) and
// `b2sum` (BLAKE2b-512 alone, the hashing floor of a prehashed minisign signature).
//
//   cd packages/repository && tsc -b && node bench/signature.bench.mjs
//
// Sizes: 1 MiB is about the index of a 1,600-package repository; 16 and 128 MiB show the rate.
// Each figure is the median of 7 runs; the file is in the page cache for all of them.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatPublicKey,
  formatSecretKey,
  formatSignature,
  generateKeyPair,
  indexTrustedComment,
  parseSignature,
  signData,
  verifyIndexSignature,
} from '../dist/index.js';

const RUNS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => {
  const out = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return median(out);
};
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

const dir = mkdtempSync(join(tmpdir(), 'serpent-sign-bench-'));
try {
  const key = generateKeyPair();
  writeFileSync(join(dir, 'k.pub'), formatPublicKey(key.publicKey));
  writeFileSync(join(dir, 'k.key'), await formatSecretKey(key));
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const mib of [1, 16, 128]) {
    const file = join(dir, 'stone.index');
    writeFileSync(file, randomBytes(mib * 1048576));
    const sig = signData(readFileSync(file), key, { trusted: indexTrustedComment(1_800_000_000) });
    writeFileSync(`${file}.minisig`, formatSignature(sig));
    const sign = time(() =>
      signData(readFileSync(file), key, { trusted: indexTrustedComment(1_800_000_000) }),
    );
    const verify = time(() =>
      verifyIndexSignature(readFileSync(file), parseSignature(readFileSync(`${file}.minisig`, 'utf8')), {
        repo: 'bench',
        url: 'file:///bench',
        keys: [key.publicKey],
      }),
    );
    let line = `${String(mib).padStart(3)} MiB: sign ${sign.toFixed(1)} ms, verify ${verify.toFixed(1)} ms (${(mib / (verify / 1000)).toFixed(0)} MiB/s)`;
    if (has('minisign')) {
      const ref = time(() => execFileSync('minisign', ['-Vq', '-p', join(dir, 'k.pub'), '-m', file]));
      line += `; minisign -V ${ref.toFixed(1)} ms (ours ${(verify / ref).toFixed(2)}×)`;
    }
    if (has('b2sum')) {
      const b2 = time(() => execFileSync('b2sum', [file]));
      line += `; b2sum ${b2.toFixed(1)} ms (ours ${(verify / b2).toFixed(2)}×)`;
    }
    console.log(line);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
