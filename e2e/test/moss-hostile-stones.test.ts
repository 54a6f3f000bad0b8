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
import { join } from 'node:path';
import {
  encodeBuildManifest,
  encodeRepositoryIndex,
  encodeStone,
  type PackageMeta,
  PayloadKind,
  type StoneEntryInput,
  StoneReader,
  writePackage,
} from '@serpent/stone';
import { afterAll, describe, expect, it } from 'vitest';
import { MOSS_BUILT, moss } from './support/paths.js';

// Hostile and damaged stones through the real binary (issue 14, C1 and C7): every one ends in
// a typed error with status 1 (never 70 and a stack), and nothing is written outside -o.
const skip = MOSS_BUILT ? undefined : 'tools/moss is not built';
const work = mkdtempSync(join(tmpdir(), 'moss-hostile-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const text = (s: string) => new TextEncoder().encode(s);
const meta: PackageMeta = {
  name: 'demo',
  version: '1.0',
  release: 3,
  buildRelease: 1,
  architecture: 'x86_64',
  summary: 'demo',
  description: 'demo',
  homepage: 'https://example.invalid',
  sourceId: 'demo',
  licenses: ['MPL-2.0'],
  depends: [],
  provides: [],
  conflicts: [],
};
let n = 0;
async function stone(entries: StoneEntryInput[], m: Partial<PackageMeta> = {}): Promise<string> {
  const path = join(work, `s${n++}.stone`);
  await writePackage(path, { meta: { ...meta, ...m }, entries, level: 1 });
  return path;
}
const oneFile: StoneEntryInput[] = [{ type: 'regular', target: 'bin/x', mode: 0o755, content: text('x') }];

/** A fresh directory for -o, inside a fresh parent: both are checked afterwards. */
function outDir(): { parent: string; out: string } {
  const parent = join(work, `o${n++}`);
  mkdirSync(parent);
  return { parent, out: join(parent, 'out') };
}

/** Runs `moss ARGS` and expects a refusal: status 1, a message, and `code` (read through --json). */
function refused(args: string[], code: string) {
  const r = moss(args);
  expect(r.stderr).not.toContain('internal error');
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^error: /);
  const json = moss([args[0]!, '--json', ...args.slice(1)]);
  expect(JSON.parse(json.stdout)).toMatchObject({ error: { code } });
  return r;
}

describe.skipIf(skip !== undefined)('moss extract refuses hostile stones', () => {
  for (const [field, value] of [
    ['version', '..'],
    ['architecture', 'x/../../../escaped'],
  ] as const) {
    it(`a ${field} of ${JSON.stringify(value)} cannot steer the output directory`, async () => {
      const s = await stone(oneFile, { [field]: value });
      const { parent, out } = outDir();
      const r = refused(['extract', s, '-o', out], 'STONE_UNSAFE_NAME');
      expect(r.stderr).toContain(field);
      expect(readdirSync(parent)).toEqual([]);
      expect(existsSync(join(work, 'escaped'))).toBe(false);
    });
  }

  it('a file beneath a symlink to an absolute path is refused and nothing is written there', async () => {
    const target = join(work, 'target-of-link');
    mkdirSync(target);
    const s = await stone([
      { type: 'symlink', target: 'share/evil', source: target },
      { type: 'regular', target: 'share/evil/planted', mode: 0o644, content: text('gotcha') },
    ]);
    const { parent, out } = outDir();
    const r = refused(['extract', s, '-o', out], 'VFS_UNSAFE_PATH');
    expect(r.stderr).toContain('resolves outside /usr');
    expect(readdirSync(target)).toEqual([]);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('a file beneath a file is a conflict with status 1, not an internal error', async () => {
    const s = await stone([
      { type: 'regular', target: 'bin/a', mode: 0o644, content: text('a') },
      { type: 'regular', target: 'bin/a/b', mode: 0o644, content: text('b') },
    ]);
    const { parent, out } = outDir();
    refused(['extract', s, '-o', out], 'VFS_CONFLICT');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('two different files at one path are refused, not "the last one wins"', async () => {
    const s = await stone([
      { type: 'regular', target: 'share/conf', mode: 0o644, content: text('first') },
      { type: 'regular', target: 'share/conf', mode: 0o644, content: text('second') },
    ]);
    const { out } = outDir();
    const r = refused(['extract', s, '-o', out], 'VFS_CONFLICT');
    expect(r.stderr).toContain('/usr/share/conf');
  });

  it('a repository index and a build manifest are not packages', async () => {
    const index = join(work, 'stone.index');
    writeFileSync(
      index,
      await encodeRepositoryIndex(
        [{ ...meta, packageUri: 'd.stone', packageHash: '0'.repeat(64), packageSize: 1 }],
        {
          level: 1,
        },
      ),
    );
    const manifest = join(work, 'manifest.x86_64.bin');
    writeFileSync(manifest, await encodeBuildManifest([meta], { level: 1 }));
    for (const f of [index, manifest]) {
      const { parent, out } = outDir();
      const r = refused(['extract', f, '-o', out], 'STONE_WRONG_FILE_TYPE');
      expect(r.stderr).toContain('not a package');
      expect(readdirSync(parent)).toEqual([]);
    }
  });

  it('an existing package directory stops with a hint, and --overwrite replaces it', async () => {
    const s = await stone(oneFile);
    const { out } = outDir();
    const dest = join(out, 'demo-1.0-3.x86_64');
    mkdirSync(dest, { recursive: true });
    writeFileSync(join(dest, 'mine'), 'keep me');
    const r = refused(['extract', s, '-o', out], 'VFS_TARGET_NOT_EMPTY');
    expect(r.stderr).toContain('hint: remove it, choose another -o DIR, or pass --overwrite');
    expect(readFileSync(join(dest, 'mine'), 'utf8')).toBe('keep me');
    const again = moss(['extract', s, '-o', out, '--overwrite']);
    expect(again.status, again.stderr).toBe(0);
    expect(readdirSync(dest)).toEqual(['usr']);
    expect(readFileSync(join(dest, 'usr/bin/x'), 'utf8')).toBe('x');
  });
});

/** The stone at `path` re-encoded with one content byte flipped and every checksum valid. */
async function withDamagedContent(path: string): Promise<string> {
  const s = await StoneReader.open(path);
  const payloads: { kind: number; plain: Uint8Array; numRecords: number }[] = [];
  for (const p of s.payloads) {
    if (p.kind === PayloadKind.Content) {
      const chunks: Uint8Array[] = [];
      for await (const c of s.contentChunks()) chunks.push(Buffer.from(c));
      const plain = Buffer.concat(chunks);
      plain[0]! ^= 0xff;
      payloads.push({ kind: p.kind, plain, numRecords: p.numRecords });
    } else payloads.push({ kind: p.kind, plain: await s.plainPayload(p), numRecords: p.numRecords });
  }
  await s.close();
  const out = join(work, `damaged${n++}.stone`);
  writeFileSync(out, await encodeStone(1, payloads, { level: 1 }));
  return out;
}

describe.skipIf(skip !== undefined)('moss inspect', () => {
  it('--json on a missing file is a typed error with status 1, no stack', () => {
    const r = moss(['inspect', '--json', join(work, 'missing.stone')]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'STONE_IO' } });
    expect(r.stderr).not.toContain('    at ');
  });

  it('--verify --json fails on content that does not match its hash, as the text form does', async () => {
    const bad = await withDamagedContent(await stone(oneFile));
    const text = moss(['inspect', '--verify', bad]);
    expect(text.status).toBe(1);
    const json = moss(['inspect', '--verify', '--json', bad]);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'STONE_CONTENT_HASH_MISMATCH' } });
    // Without --verify the JSON shows the mismatch and succeeds (payload checksums are fine).
    const plainJson = moss(['inspect', '--json', bad]);
    expect(plainJson.status).toBe(0);
    expect(JSON.parse(plainJson.stdout).summary.all_regular_files_verified).toBe(false);
  });

  it('plain inspect checks every payload checksum, the content payload too, and fails on one', async () => {
    const good = await stone(oneFile);
    const ok = moss(['inspect', good]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Checked: all 4 payload checksums match');
    const bytes = readFileSync(good);
    bytes[bytes.length - 3]! ^= 0xff; // inside the Content payload, the last one
    const bad = join(work, 'bad-content-checksum.stone');
    writeFileSync(bad, bytes);
    const r = moss(['inspect', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Content payload #3 .*checksum/);
  });

  it('a legitimate 130,000-file package inspects and verifies (no stack overflow)', async () => {
    const entries: StoneEntryInput[] = [];
    for (let i = 0; i < 130_000; i++) {
      const content = new Uint8Array(4);
      new DataView(content.buffer).setUint32(0, i);
      entries.push({ type: 'regular', target: `share/many/${i % 100}/f${i}`, mode: 0o644, content });
    }
    const s = await stone(entries);
    const r = moss(['inspect', '--verify', s]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Layout: 130,000 entries (130,000 regular)');
    expect(r.stdout).toContain('all 130,000 file contents match');
  }, 120_000);

  it('a stone without Content shows its layout entries', async () => {
    const s = await stone([
      { type: 'directory', target: 'share/empty', mode: 0o755 },
      { type: 'symlink', target: 'bin/sh', source: 'bash' },
    ]);
    const r = moss(['inspect', s]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Layout: 2 entries (1 directory, 1 symlink), no content');
    expect(r.stdout).toContain('/usr/bin/sh -> bash');
  });
});
