// Peak memory of reading hostile stones (issue 14, C3 and C4): record-count bombs (Attributes,
// Meta, Index, Layout payloads of 500 MiB of tiny records in a few KB) and a Content frame
// declaring a 2 GiB window, each read by the library (`StoneReader.verify()`) and by
// `moss inspect` (plain, --verify, --json), each in its own process under /usr/bin/time.
//
//   node bench/bombs.mjs                      # this checkout's dist and moss
//   node bench/bombs.mjs --stone DIR --moss FILE   # another build (e.g. main's) for a before/after
//   node bench/bombs.mjs --runs 0,1           # only the library and plain `moss inspect`
//
// A run is stopped after 120 s; a process that dies of memory shows its status.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { constants as Z, zstdCompressSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : resolve(process.argv[i + 1]);
};
const stoneDir = arg('--stone', join(here, '..'));
const mossBin = arg('--moss', join(here, '..', '..', '..', 'tools', 'moss', 'bin', 'moss.js'));
const stone = await import(pathToFileURL(join(join(here, '..'), 'dist', 'index.js')).href);
const { xxh3_64, PayloadKind } = stone;

if (!existsSync('/usr/bin/time')) {
  console.error('bombs: needs /usr/bin/time (GNU time) to measure peak memory: apt-get install time');
  process.exit(1);
}

const MiB = 1024 * 1024;
const BLOCK = 128 * 1024;
const work = mkdtempSync(join(tmpdir(), 'stone-bombs-'));

const u64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
async function payload(kind, stored, plainSize, numRecords) {
  const h = Buffer.alloc(32);
  u64(stored.length).copy(h, 0);
  u64(plainSize).copy(h, 8);
  Buffer.from(await xxh3_64(stored), 'hex').copy(h, 16);
  h.writeUInt32BE(numRecords >>> 0, 24);
  h.writeUInt16BE(1, 28);
  h[30] = kind;
  h[31] = 2;
  return Buffer.concat([h, stored]);
}
function header(numPayloads) {
  const h = Buffer.alloc(32);
  h.writeUInt32BE(0x006d6f73, 0);
  h.writeUInt16BE(numPayloads, 4);
  Buffer.from([0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0, 6, 0, 0, 7]).copy(h, 6);
  h[27] = 1;
  h.writeUInt32BE(1, 28);
  return h;
}
/** A zstd frame of RLE blocks: `size` copies of `byte`, 4 stored bytes per 128 KiB. */
function rle(size, windowLog, byte = 0) {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3])];
  for (let at = 0; at < size; at += BLOCK) {
    const n = Math.min(BLOCK, size - at);
    const v = (n << 3) | (1 << 1) | (at + BLOCK >= size ? 1 : 0);
    parts.push(Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, byte]));
  }
  return Buffer.concat(parts);
}
/** A repeated record, compressed as one frame. */
function repeated(record, count) {
  return zstdCompressSync(Buffer.alloc(record.length * count, record), {
    params: { [Z.ZSTD_c_compressionLevel]: 3, [Z.ZSTD_c_contentSizeFlag]: 1 },
  });
}
/** The Meta payload (header and stored bytes) of a small real package our writer makes. */
async function metaPayload() {
  const file = join(work, 'meta-source.stone');
  await stone.writePackage(file, {
    meta: {
      name: 'bomb',
      version: '1',
      release: 1,
      buildRelease: 1,
      architecture: 'x86_64',
      summary: 'bomb',
      description: 'bomb',
      homepage: '',
      sourceId: 'bomb',
      licenses: [],
      depends: [],
      provides: [],
      conflicts: [],
    },
    entries: [],
    level: 3,
  });
  const bytes = readFileSync(file);
  const p = (await stone.StoneReader.fromBytes(bytes)).payloads[0];
  return bytes.subarray(p.headerOffset, p.bodyOffset + p.storedSize);
}

async function build(name, extra) {
  const parts = [await metaPayload(), ...extra];
  const bytes = Buffer.concat([header(parts.length), ...parts]);
  const file = join(work, `${name}.stone`);
  writeFileSync(file, bytes);
  return { name, file, size: bytes.length };
}

const SIZE = 500 * MiB;
const dir33 = Buffer.alloc(33);
dir33.writeUInt32BE(0o40755, 8);
dir33.writeUInt16BE(1, 18);
dir33[20] = 3;
dir33[32] = 0x61;
const meta9 = Buffer.from([0, 0, 0, 1, 0, 11, 1, 0, 0]);
const bombs = [
  await build('attributes', [await payload(PayloadKind.Attributes, rle(SIZE, 20), SIZE, SIZE / 16)]),
  await build('meta', [
    await payload(
      PayloadKind.Meta,
      repeated(meta9, Math.floor(SIZE / 9)),
      Math.floor(SIZE / 9) * 9,
      Math.floor(SIZE / 9),
    ),
  ]),
  await build('index', [await payload(PayloadKind.Index, rle(SIZE, 20), SIZE, SIZE / 32)]),
  await build('layout', [
    await payload(
      PayloadKind.Layout,
      repeated(dir33, Math.floor(SIZE / 33)),
      Math.floor(SIZE / 33) * 33,
      Math.floor(SIZE / 33),
    ),
  ]),
  await build('window', [await payload(PayloadKind.Content, rle(2048 * MiB, 31), 2048 * MiB, 0)]),
];

const library = `const s = await (await import(${JSON.stringify(pathToFileURL(join(stoneDir, 'dist', 'index.js')).href)})).StoneReader.open(process.argv[1]);
try { await s.verify(); } catch (e) { console.error(e.code ?? e.message); process.exitCode = 1; }`;
const runs = [
  ['library verify()', (f) => [process.execPath, '--input-type=module', '-e', library, f]],
  ['moss inspect', (f) => [process.execPath, mossBin, 'inspect', f]],
  ['moss inspect --verify', (f) => [process.execPath, mossBin, 'inspect', '--verify', f]],
  ['moss inspect --json', (f) => [process.execPath, mossBin, 'inspect', '--json', f]],
];

// `--runs 0,1` keeps only some of the runs (an old build can take minutes to die on each).
const only = process.argv.includes('--runs')
  ? new Set(process.argv[process.argv.indexOf('--runs') + 1].split(',').map(Number))
  : undefined;
const chosen = runs.filter((_, i) => only === undefined || only.has(i));
console.log(`stone: ${stoneDir}\nmoss: ${mossBin}\n`);
console.log('| bomb | stone size | run | peak RSS | seconds | result |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const b of bombs) {
  for (const [label, cmd] of chosen) {
    const r = spawnSync('/usr/bin/time', ['-f', '%M %e', 'timeout', '120', ...cmd(b.file)], {
      encoding: 'utf8',
      maxBuffer: 64 * MiB,
    });
    const lines = r.stderr.trim().split('\n');
    const [kib, secs] = lines.pop().split(' ');
    const text = lines.join(' ');
    const code = text.match(/STONE_[A-Z_]+|heap out of memory|Maximum call stack/)?.[0];
    const what =
      r.status === 0
        ? 'ok'
        : r.status === 124
          ? 'killed after 120 s'
          : `status ${r.status}${code ? ` (${code})` : text.includes('error: ') ? ' (refused)' : ''}`;
    console.log(
      `| ${b.name} | ${(b.size / 1024).toFixed(0)} KB | ${label} | ${(kib / 1024).toFixed(0)} MiB | ${secs} | ${what} |`,
    );
  }
}
rmSync(work, { recursive: true, force: true });
