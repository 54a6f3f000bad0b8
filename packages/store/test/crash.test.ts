import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type StoneEntryInput, xxh3_128 } from '@serpent/stone';
import { beforeAll, describe, expect, it } from 'vitest';
import { assetRelativePath, openStore } from '../src/index.ts';
import { file, filesUnder, stone, tempDir } from './helpers.ts';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repoRoot = dirname(dirname(packageDir));
const child = join(packageDir, 'test', 'precache-child.mjs');

// The child runs the built package (plain Node cannot load the TypeScript sources), so build it
// first; tsc -b is incremental, so this costs little when dist/ is current.
beforeAll(() => {
  const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['-b'], { cwd: packageDir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -b failed:\n${r.stdout}${r.stderr}`);
}, 120_000);

/** ~100 MB of incompressible content in 1,500 files: many small, some of several MiB. */
function entries(): StoneEntryInput[] {
  const out: StoneEntryInput[] = [];
  for (let i = 0; i < 1500; i++) {
    const size = i % 60 === 0 ? 2_000_000 + (i % 7) * 500_000 : 4_096 + ((i * 7919) % 61_440);
    out.push(file(`share/crash/${i}.bin`, randomBytes(size), i % 3 === 0 ? 0o755 : 0o644));
  }
  out.push(file('share/crash/empty', ''));
  return out;
}

interface Run {
  proc: ChildProcess;
  /** Resolves with the exit code, or the signal that ended the child. */
  ended: Promise<number | NodeJS.Signals | null>;
  lines: AsyncIterableIterator<string>;
}

function run(root: string, stonePath: string): Run {
  const proc = spawn(process.execPath, [child, root, stonePath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ended = new Promise<number | NodeJS.Signals | null>((resolve) =>
    proc.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  return { proc, ended, lines };
}

/** Every asset present hashes to its name; returns how many there are. */
async function onlyCompleteAssets(assetsDir: string): Promise<number> {
  const rels = await filesUnder(assetsDir);
  for (const rel of rels) {
    const digest = await xxh3_128(await readFile(join(assetsDir, rel)));
    expect(assetRelativePath(digest), `asset ${rel} must hash to its name`).toBe(rel);
  }
  return rels.length;
}

describe('crash safety', () => {
  it('a SIGKILL at any point leaves only complete assets, and a re-run cleans up and completes', async () => {
    const dir = await tempDir('store-crash-');
    const stonePath = await stone(join(dir, 'big.stone'), 'big', entries());
    const root = join(dir, 'root');
    const assetsDir = join(root, '.moss', 'assets', 'v2');
    const tmp = join(root, '.moss', 'assets', 'tmp');

    let lastCount = 0;
    // Three kills at growing depths into the content, each run resuming from what the last left.
    for (const fraction of [0.15, 0.45, 0.75]) {
      const r = run(root, stonePath);
      let killedAt = -1;
      for await (const line of r.lines) {
        const e = JSON.parse(line) as { type: string; bytesDone?: number; bytes?: number };
        if (e.type === 'progress' && (e.bytesDone as number) >= fraction * (e.bytes as number)) {
          killedAt = e.bytesDone as number;
          // Assets appear only once their fdatasync is done, which on a slow disk lags the
          // decoding: wait for this run to have stored something, so the kill is mid-way.
          while ((await filesUnder(assetsDir)).length <= lastCount) await sleep(5);
          r.proc.kill('SIGKILL');
          break;
        }
      }
      expect(await r.ended).toBe('SIGKILL');
      expect(killedAt, 'the child was killed during the content stream').toBeGreaterThan(0);
      const count = await onlyCompleteAssets(assetsDir);
      expect(count, `some, not all, assets stored after a kill at ${fraction}`).toBeGreaterThan(lastCount);
      expect(count).toBeLessThan(1501);
      lastCount = count;
      // Leftover temporary files are allowed (the kill can land mid-write), nothing else is.
      for (const name of existsSync(tmp) ? await readdir(tmp) : [])
        expect(name).toMatch(/^\d+\.\d+-\d+\.[0-9a-f]{32}$/);
    }

    // The next run deletes the dead writer's temp files and finishes the job.
    const final = run(root, stonePath);
    let result: Record<string, unknown> | undefined;
    for await (const line of final.lines) {
      const e = JSON.parse(line) as Record<string, unknown>;
      if (e.type === 'result') result = e;
    }
    expect(await final.ended).toBe(0);
    expect(result).toMatchObject({ assets: 1501, assetsAdded: 1501 - lastCount, assetsSkipped: lastCount });
    expect(await readdir(tmp)).toEqual([]);
    expect(await onlyCompleteAssets(assetsDir)).toBe(1501);

    const store = await openStore(root);
    const { index } = await store.precache(stonePath);
    expect(await store.verify({ expected: index.map((e) => e.digest) })).toMatchObject({
      missing: [],
      corrupt: [],
    });
    // ~140 MB written up to four times: minutes when the machine's disk is shared and busy.
  }, 300_000);
});
