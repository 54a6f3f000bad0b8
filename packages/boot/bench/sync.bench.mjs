// Benchmark of syncBoot's file work, against coreutils run in the same process on the same
// bytes: a first sync (copy with fsync) against `cp` + `sync -f`, an unchanged re-sync (hash every
// source and every copy) against `sha256sum` of the same files.
// Run: tsc -b && node bench/sync.bench.mjs
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncBoot } from '../dist/index.js';

const MiB = 1 << 20;
const KERNEL = 12 * MiB;
const INITRD = 40 * MiB;
const work = mkdtempSync(join(tmpdir(), 'serpent-boot-bench-'));
try {
  // Five states, three distinct kernel builds (as after two kernel updates), like moss keeps by default.
  const builds = [0, 1, 2].map(() => ({ image: randomBytes(KERNEL), initrd: randomBytes(INITRD) }));
  const states = [];
  const sources = [];
  for (let id = 1; id <= 5; id++) {
    const build = builds[Math.min(2, Math.floor((id - 1) / 2))];
    const usrDir = join(work, 'root', id === 5 ? 'usr' : `.moss/root/${id}/usr`);
    const dir = join(usrDir, 'lib/kernel', `6.12.${Math.floor((id - 1) / 2)}-1`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'vmlinuz'), build.image);
    writeFileSync(join(dir, '50-default.initrd'), build.initrd);
    writeFileSync(join(usrDir, 'lib/os-release'), 'NAME="Serpent OS"\nID=serpentos\n');
    sources.push(join(dir, 'vmlinuz'), join(dir, '50-default.initrd'));
    states.push({ id, usrDir, createdAt: new Date(Date.UTC(2026, 10, id)) });
  }
  const distinct = [1, 3, 5].flatMap((id) => sources.slice((id - 1) * 2, id * 2));
  const mb = (3 * (KERNEL + INITRD)) / MiB;

  const time = (fn) => {
    const t = performance.now();
    const r = fn();
    return r instanceof Promise ? r.then(() => performance.now() - t) : performance.now() - t;
  };
  const rows = [];
  for (let round = 0; round < 3; round++) {
    const esp = join(work, `esp-${round}`);
    const cpDir = join(work, `cp-${round}`);
    mkdirSync(esp);
    mkdirSync(cpDir);
    const cold = await time(() => syncBoot({ root: join(work, 'root'), bootDir: esp, states }));
    const cp = time(() => {
      for (const [i, s] of distinct.entries()) execFileSync('cp', [s, join(cpDir, String(i))]);
      execFileSync('sync', ['-f', cpDir]);
    });
    const warm = await time(() => syncBoot({ root: join(work, 'root'), bootDir: esp, states }));
    const sha = time(() => execFileSync('sha256sum', [...sources, ...distinct], { maxBuffer: 1 << 24 }));
    rows.push({ cold, cp, warm, sha });
  }
  const median = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[1];
  const f = (ms) => `${ms.toFixed(0)} ms`;
  console.log(
    `5 states, 3 distinct kernels (${KERNEL / MiB} MiB image + ${INITRD / MiB} MiB initrd each), median of 3`,
  );
  console.log(
    `first sync (copy ${mb} MiB, fsync, rename):   ${f(median('cold'))}   cp + sync -f: ${f(median('cp'))}   ratio ${(median('cold') / median('cp')).toFixed(2)}`,
  );
  console.log(
    `unchanged re-sync (hash ${(5 * (KERNEL + INITRD)) / MiB + mb} MiB): ${f(median('warm'))}   sha256sum: ${f(median('sha'))}   ratio ${(median('warm') / median('sha')).toFixed(2)}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
