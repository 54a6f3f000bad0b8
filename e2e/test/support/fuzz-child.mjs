// One process of the stone fuzz campaign (fuzz-stones.test.ts). It reads a job file (the seed
// stones and the mutations fast-check drew for them), applies each mutation, and runs the
// mutant through everything that reads stones: the reader (every record kind, verify), the
// JSON inspection, the description `moss inspect` prints, and extraction into a sandbox. It
// writes one NDJSON line per mutant, and at the end its peak resident memory. It runs under
// --max-old-space-size, so a decode that tries to hold a bomb dies here, not in the test.
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { isSerpentError } from '@serpent/errors';
import { describeStone, encodeStone, inspectStone, PayloadKind, StoneReader, xxh3_64 } from '@serpent/stone';
import { extractStoneInto } from '@serpent/vfs';

const [jobFile, outFile] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobFile, 'utf8'));
const box = job.sandbox;

/** Everything a reader returns, as one digest: a mutant that decodes must decode to the seed. */
async function decodeDigest(file) {
  const s = await StoneReader.open(file);
  try {
    const parts = [
      await s.metas(),
      await s.layout(),
      await s.index(),
      await s.attributes(),
      await s.verify(),
    ];
    const text = JSON.stringify(parts, (_k, v) =>
      typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
    );
    return createHash('sha256').update(text).digest('hex');
  } finally {
    await s.close();
  }
}

/** The seed's payloads, decoded once: what record- and content-level mutations start from. */
async function seedModel(bytes) {
  const s = await StoneReader.fromBytes(bytes, 'seed');
  const payloads = [];
  for (const p of s.payloads) {
    if (p.kind === PayloadKind.Content) {
      const chunks = [];
      for await (const c of s.contentChunks()) chunks.push(Buffer.from(c));
      payloads.push({ kind: p.kind, plain: Buffer.concat(chunks), numRecords: p.numRecords });
    } else
      payloads.push({ kind: p.kind, plain: Buffer.from(await s.plainPayload(p)), numRecords: p.numRecords });
  }
  return { fileType: s.header.fileType, headers: s.payloads, payloads };
}

const frac = (x, n) => Math.min(n - 1, Math.floor((x / 2 ** 31) * n));

function headerOffsets(model) {
  const out = [];
  for (let i = 0; i < 32; i++) out.push(i);
  for (const p of model.headers) for (let i = 0; i < 32; i++) out.push(p.headerOffset + i);
  return out;
}

function setField(buf, at, field, value) {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const big = (x) => BigInt.asUintN(64, BigInt(x));
  if (field === 'storedSize') v.setBigUint64(at, big(value));
  else if (field === 'plainSize') v.setBigUint64(at + 8, big(value));
  else if (field === 'numRecords') v.setUint32(at + 24, Number(BigInt.asUintN(32, BigInt(value))));
  else if (field === 'version') v.setUint16(at + 28, Number(value) & 0xffff);
  else if (field === 'kind') buf[at + 30] = Number(value) & 0xff;
  else if (field === 'compression') buf[at + 31] = Number(value) & 0xff;
}

function mutatePlain(plain, m) {
  let b = Buffer.from(plain);
  if (b.length === 0) return Buffer.from(m.insert ?? [0]);
  if (m.how === 'flip') for (const f of m.flips) b[frac(f.at, b.length)] = f.value;
  else if (m.how === 'truncate') b = b.subarray(0, frac(m.at, b.length));
  else if (m.how === 'insert') {
    const at = frac(m.at, b.length + 1);
    b = Buffer.concat([b.subarray(0, at), Buffer.from(m.insert), b.subarray(at)]);
  } else if (m.how === 'duplicate') {
    const at = frac(m.at, b.length);
    b = Buffer.concat([b, b.subarray(at, at + m.length)]);
  }
  return b;
}

/** A payload's stored bytes replaced, with its header's size and checksum made to match. */
async function replaceStored(bytes, p, stored) {
  const header = Buffer.from(bytes.subarray(p.headerOffset, p.bodyOffset));
  new DataView(header.buffer, header.byteOffset).setBigUint64(0, BigInt(stored.length));
  Buffer.from(await xxh3_64(stored), 'hex').copy(header, 16);
  return Buffer.concat([
    bytes.subarray(0, p.headerOffset),
    header,
    stored,
    bytes.subarray(p.bodyOffset + p.storedSize),
  ]);
}

async function mutate(seed, model, m) {
  const b = Buffer.from(seed);
  switch (m.op) {
    case 'flip': {
      const spots = m.headers ? headerOffsets(model) : undefined;
      for (const f of m.flips) b[spots ? spots[frac(f.at, spots.length)] : frac(f.at, b.length)] = f.value;
      return b;
    }
    case 'truncate':
      return b.subarray(0, frac(m.at, b.length));
    case 'splice': {
      const at = frac(m.at, b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.from(m.insert), b.subarray(at + m.remove)]);
    }
    case 'header': {
      if (model.headers.length === 0) return b;
      setField(b, model.headers[frac(m.payload, model.headers.length)].headerOffset, m.field, m.value);
      return b;
    }
    case 'record': {
      // Valid checksums and sizes around damaged records: the decoders themselves are tested.
      const i = frac(m.payload, model.payloads.length);
      const payloads = model.payloads.map((p, j) =>
        j === i
          ? { ...p, plain: mutatePlain(p.plain, m.plain), numRecords: p.numRecords + (m.recordDelta ?? 0) }
          : p,
      );
      return Buffer.from(await encodeStone(model.fileType, payloads, { level: 1 }));
    }
    case 'frame': {
      if (model.headers.length === 0) return b;
      const p = model.headers[frac(m.payload, model.headers.length)];
      let stored = Buffer.from(seed.subarray(p.bodyOffset, p.bodyOffset + p.storedSize));
      if (m.how === 'append') stored = Buffer.concat([stored, Buffer.from(m.bytes)]);
      else if (m.how === 'second-frame') stored = Buffer.concat([stored, stored]);
      else if (m.how === 'window' && stored.length > 5) {
        // The frame header rewritten without single segment or content size, with the drawn
        // window descriptor (exponent value >> 3: windows from 1 KiB to 2 TiB).
        const fhd = stored[4];
        const single = (fhd >> 5) & 1;
        const fcsFlag = fhd >> 6;
        const fcs = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag];
        const length = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3] + fcs;
        stored = Buffer.concat([stored.subarray(0, 4), Buffer.of(0, m.value), stored.subarray(length)]);
      } else if (m.how === 'inner-flip' && stored.length > 0) stored[frac(m.at, stored.length)] = m.value;
      return replaceStored(b, p, stored);
    }
    default:
      throw new Error(`unknown mutation ${m.op}`);
  }
}

/** Every path under `dir`, relative, without following symlinks. */
function list(dir) {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

async function typed(label, fn, result) {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (isSerpentError(err)) {
      result.codes.push(`${label}:${err.code}`);
      return { ok: false };
    }
    result.findings.push(`${label}: untyped ${err?.name}: ${err?.message}\n${err?.stack ?? ''}`);
    return { ok: false };
  }
}

const seeds = job.seeds.map((s) => readFileSync(s.file));
const models = [];
for (const s of seeds) models.push(await seedModel(s));
const seedDigests = [];
for (const s of job.seeds) seedDigests.push(await decodeDigest(s.file));

mkdirSync(box, { recursive: true });
const input = join(box, 'in');
const target = join(box, 'target');
writeFileSync(outFile, '');
for (const [n, m] of job.mutants.entries()) {
  const result = { n, seed: job.seeds[m.seed].name, op: m.op, codes: [], findings: [], decoded: 'error' };
  rmSync(input, { recursive: true, force: true });
  rmSync(target, { recursive: true, force: true });
  mkdirSync(input);
  mkdirSync(target);
  const file = join(input, 'm.stone');
  writeFileSync(file, await mutate(seeds[m.seed], models[m.seed], m));
  // A line before the work: if the process dies (memory), the test knows which mutant it was.
  appendFileSync(outFile, `${JSON.stringify({ n, started: true })}\n`);

  const d = await typed('read', () => decodeDigest(file), result);
  if (d.ok) {
    // A mutant whose checksums were made to match (record, frame) is a different, valid stone
    // and may decode to other records; any other mutant that decodes must decode to its seed
    // (what it changed is a field no decode depends on, such as a payload's version).
    const resigned = m.op === 'record' || m.op === 'frame';
    result.decoded = d.value === seedDigests[m.seed] ? 'exact' : resigned ? 'other' : 'changed';
    if (result.decoded === 'changed')
      result.findings.push('decoded without an error to something else than its seed');
  }
  await typed('inspect-json', () => inspectStone(file, { verify: true }), result);
  await typed('describe', () => describeStone(file, { verify: true }), result);
  const x = await typed('extract', () => extractStoneInto(file, target), result);

  // Nothing may appear in the sandbox but the mutant and, after a success, its one directory;
  // nothing may appear in the canary, the directory a seed's symlink points at with a file
  // placed beneath it (writing there is the escape a hostile stone attempts).
  const outside = list(box).filter(
    (p) => p !== 'in' && p !== join('in', 'm.stone') && p !== 'target' && !p.startsWith(`target${sep}`),
  );
  if (outside.length > 0) result.findings.push(`extract wrote outside its target: ${outside.join(', ')}`);
  const planted = list(job.canary);
  if (planted.length > 0) {
    result.findings.push(`extract wrote through a symlink into ${job.canary}: ${planted.join(', ')}`);
    rmSync(job.canary, { recursive: true, force: true });
    mkdirSync(job.canary);
  }
  const inside = readdirSync(target);
  if (!x.ok && inside.length > 0) result.findings.push(`a failed extract left ${inside.join(', ')}`);
  if (x.ok && inside.length !== 1) result.findings.push(`extract made ${inside.length} directories`);
  appendFileSync(outFile, `${JSON.stringify(result)}\n`);
}
rmSync(box, { recursive: true, force: true });
appendFileSync(outFile, `${JSON.stringify({ done: true, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
