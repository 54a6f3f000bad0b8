import { createHash } from 'node:crypto';
import { createXXHash3, createXXHash128, type IHasher } from 'hash-wasm';

// hash-wasm: XXH3-128 at ≈ 4.4 GB/s here against ≈ 1.7 GB/s for @node-rs/xxhash (DESIGN.md),
// and it is pure WebAssembly, so nothing native to build. Hashers are created once per process
// (instantiating the module costs ~1 ms) and re-initialised per use.

let xxh64: Promise<IHasher> | undefined;
let xxh128: Promise<IHasher> | undefined;

/** A fresh streaming XXH3-64 hasher (seed 0). */
export async function createXxh3_64(): Promise<IHasher> {
  const h = await createXXHash3(0, 0);
  h.init();
  return h;
}

/** A fresh streaming XXH3-128 hasher (seed 0). */
export async function createXxh3_128(): Promise<IHasher> {
  const h = await createXXHash128(0, 0);
  h.init();
  return h;
}

/** XXH3-64 of `data`, 16 lower-case hex digits (canonical big-endian form). */
export async function xxh3_64(data: Uint8Array): Promise<string> {
  xxh64 ??= createXXHash3(0, 0);
  const h = await xxh64;
  h.init();
  h.update(data);
  return h.digest('hex');
}

/** XXH3-128 of `data`, 32 lower-case hex digits (canonical big-endian form). */
export async function xxh3_128(data: Uint8Array): Promise<string> {
  xxh128 ??= createXXHash128(0, 0);
  const h = await xxh128;
  h.init();
  h.update(data);
  return h.digest('hex');
}

/** SHA-256 of `data`, lower-case hex (the repository index's PackageHash). */
export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * The name moss gives a content digest in its asset store: the hex digits without leading
 * zeros, at least two (`009e28…` → `9e28…`), so our store is interchangeable with the original.
 */
export function mossAssetName(digest: string): string {
  const trimmed = digest.replace(/^0+/, '');
  return trimmed.length >= 2 ? trimmed : trimmed.padStart(2, '0');
}

/**
 * Where moss keeps the asset of a digest, relative to its `assets/v2`: the asset name
 * ({@link mossAssetName}) three levels deep (`ab/cd/ef/abcdef…`) when it has 10 or more digits,
 * directly under `v2/` otherwise. The one statement of the rule: the store writes there and the
 * vfs links from there, so either tool can use the other's store.
 */
export function mossAssetRelativePath(digest: string): string {
  const name = mossAssetName(digest.toLowerCase());
  return name.length < 10 ? name : `${name.slice(0, 2)}/${name.slice(2, 4)}/${name.slice(4, 6)}/${name}`;
}
