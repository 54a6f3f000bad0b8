import { writeFile } from 'node:fs/promises';
import { encodeStone, FileType, PayloadKind, StoneReader } from '@serpent/stone';

/**
 * Copies a valid stone with one byte of the named file's content flipped in the *plain*
 * content, re-encoded so that every payload checksum is right: only the file's XXH3-128 can
 * tell. This is the damage that reaches the store (a bad build, a lying mirror), not mere
 * transport damage, which the payload checksum catches first.
 */
export async function flipContentByte(src: string, dest: string, digest: string): Promise<void> {
  const reader = await StoneReader.open(src);
  try {
    const entry = (await reader.index()).find((e) => e.digest === digest);
    if (entry === undefined || entry.end === entry.start) throw new Error(`no content ${digest} to damage`);
    const payloads: { kind: number; plain: Uint8Array; numRecords: number }[] = [];
    for (const p of reader.payloads) {
      if (p.kind === PayloadKind.Content) {
        const parts: Uint8Array[] = [];
        for await (const c of reader.contentChunks()) parts.push(Buffer.from(c));
        const plain = Buffer.concat(parts);
        const at = entry.start + Math.floor((entry.end - entry.start) / 2);
        plain[at] = (plain[at] as number) ^ 0x01;
        payloads.push({ kind: p.kind, plain, numRecords: p.numRecords });
      } else {
        payloads.push({ kind: p.kind, plain: await reader.plainPayload(p), numRecords: p.numRecords });
      }
    }
    await writeFile(dest, await encodeStone(FileType.Binary, payloads, { level: 1 }));
  } finally {
    await reader.close();
  }
}
