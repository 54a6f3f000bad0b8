import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeAttributesPayload, encodeAttributesPayload } from '../src/attributes-payload.ts';
import {
  type Dependency,
  encodeBuildManifest,
  encodeRepositoryIndex,
  type MetaRecord,
  type PackageMeta,
  PayloadKind,
  recordsFromMeta,
  StoneReader,
  sortDependencies,
} from '../src/index.ts';
import { decodeIndexPayload, encodeIndexPayload } from '../src/index-payload.ts';
import { decodeLayoutPayload, encodeLayoutPayload } from '../src/layout-payload.ts';
import { decodeMetaPayload, encodeMetaPayload } from '../src/meta-payload.ts';
import { HAVE_SHARED, SKIP_REASON, stoneFixtures } from './shared-fixtures.ts';

function canonical(m: PackageMeta): PackageMeta {
  return {
    ...m,
    depends: sortDependencies(m.depends),
    provides: sortDependencies(m.provides),
    conflicts: sortDependencies(m.conflicts),
  };
}

/** recordsFromMeta, but keeping the lists in the order given instead of sorting them. */
function recordsInOrder(m: PackageMeta): MetaRecord[] {
  const records = recordsFromMeta(m);
  const tail = (tag: number, list: readonly Dependency[]) =>
    list.map(
      (value) =>
        records.find((r) => r.tag === tag && r.value === value) ?? { tag, type: tag === 8 ? 10 : 11, value },
    );
  const head = records.filter((r) => ![8, 9, 10].includes(r.tag));
  const buildDeps = head.filter((r) => r.tag === 17);
  return [
    ...head.filter((r) => r.tag !== 17),
    ...tail(8, m.depends),
    ...tail(9, m.provides),
    ...tail(10, m.conflicts),
    ...buildDeps,
  ] as MetaRecord[];
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!HAVE_SHARED)(
  `decode → encode → decode is the identity on every fixture (${SKIP_REASON})`,
  () => {
    for (const { file, expected } of stoneFixtures()) {
      const want = JSON.parse(readFileSync(expected, 'utf8')) as { payloads: { plain_sha256: string }[] };
      const rustWriter = !file.includes('bash-completion-2.11-1-1-x86_64.stone');
      it(file.split('/').pop()!, async () => {
        const stone = await StoneReader.open(file);
        try {
          for (const p of stone.payloads) {
            if (p.kind === PayloadKind.Content) continue;
            const plain = await stone.plainPayload(p);
            const ctx = { file, what: `payload ${p.index}` };
            let again: Uint8Array;
            if (p.kind === PayloadKind.Meta) {
              const records = decodeMetaPayload(plain, p.numRecords, ctx);
              again = encodeMetaPayload(records);
              expect(decodeMetaPayload(again, records.length, ctx)).toEqual(records);
            } else if (p.kind === PayloadKind.Layout) {
              const { entries } = decodeLayoutPayload(plain, p.numRecords, ctx);
              again = encodeLayoutPayload(entries);
              expect(decodeLayoutPayload(again, entries.length, ctx).entries).toEqual(entries);
            } else if (p.kind === PayloadKind.Index) {
              const entries = decodeIndexPayload(plain, p.numRecords, ctx);
              again = encodeIndexPayload(entries);
              expect(decodeIndexPayload(again, entries.length, ctx)).toEqual(entries);
            } else {
              const attrs = decodeAttributesPayload(plain, p.numRecords, ctx);
              again = encodeAttributesPayload(attrs);
              expect(decodeAttributesPayload(again, attrs.length, ctx)).toEqual(attrs);
            }
            // The current writer's encoding is reproduced byte for byte; the old writer's meta too
            // (strings were NUL-terminated in both generations), but not its NUL-terminated layout.
            if (rustWriter || p.kind === PayloadKind.Meta || p.kind === PayloadKind.Index) {
              expect(sha(again), `payload ${p.index}`).toBe(want.payloads[p.index]!.plain_sha256);
            }
          }
        } finally {
          await stone.close();
        }
      });
    }
  },
);

describe.skipIf(!HAVE_SHARED)(
  `index and manifest writers reproduce the Rust writer's payloads (${SKIP_REASON})`,
  () => {
    const dir = new URL('../../../../shared/fixtures/stone/synthetic/', import.meta.url);
    it('stone.index', async () => {
      const original = await StoneReader.open(new URL('stone.index', dir).pathname);
      const metas = await original.metas();
      const want = (await original.metaRecords()).map((r) => sha(encodeMetaPayload(r)));
      await original.close();
      const bytes = await encodeRepositoryIndex(metas);
      const ours = await StoneReader.fromBytes(bytes, 'ours.index');
      expect(ours.header.fileType).toBe(3);
      // Lists come back sorted by their text form, as boulder writes them (the synthetic fixture
      // was written with the lists in kind order; readers give order no meaning).
      expect((await ours.metas()).map(canonical)).toEqual(metas.map(canonical));
      // With the lists in the fixture's order, the model's record order is the Rust writer's.
      expect(metas.map((m) => sha(encodeMetaPayload(recordsInOrder(m))))).toEqual(want);
    });
    it('manifest.x86_64.bin', async () => {
      const original = await StoneReader.open(new URL('manifest.x86_64.bin', dir).pathname);
      const metas = await original.metas();
      await original.close();
      const ours = await StoneReader.fromBytes(await encodeBuildManifest(metas), 'ours.bin');
      expect(ours.header.fileType).toBe(4);
      expect((await ours.metas()).map(canonical)).toEqual(
        metas.map((m) => canonical({ ...m, buildRelease: 0 })),
      );
    });
  },
);
