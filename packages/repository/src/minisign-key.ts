import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { blake2b } from 'hash-wasm';
import { RepositoryError } from './repository-error.js';

// minisign's key formats (https://jedisct1.github.io/minisign/), byte for byte, so keys move
// between `moss keygen` and `minisign -G -W` in both directions:
//   public:  base64( "Ed" | key id (8, little-endian) | Ed25519 public key (32) )
//   secret:  base64( "Ed" | kdf "Sc" or 0x0000 | "B2" | salt (32) | opslimit (8) | memlimit (8)
//                    | key id (8) | seed (32) | public key (32) | BLAKE2b-256 checksum (32) )
// Each base64 line follows an "untrusted comment: " line.

const ALG = 'Ed';
const PUBLIC_BYTES = 2 + 8 + 32;
const SECRET_BYTES = 2 + 2 + 2 + 32 + 8 + 8 + 8 + 64 + 32;
const COMMENT = 'untrusted comment: ';

/** A trusted public key: what a repository configuration carries. */
export interface MinisignPublicKey {
  /** The key id as minisign prints it (`15CF294A7F9D989`: hex of the little-endian u64). */
  readonly id: string;
  /** The 8 key id bytes as stored in keys and signatures. */
  readonly keyNum: Uint8Array;
  /** The raw Ed25519 public key. */
  readonly key: Uint8Array;
  /** The base64 line of the public key file (`RWS…`), what `minisign -P` takes. */
  readonly base64: string;
}

/** A signing key (unencrypted in memory; see readSecretKey for files). */
export interface MinisignSecretKey {
  readonly id: string;
  readonly keyNum: Uint8Array;
  /** The 32-byte Ed25519 seed. */
  readonly seed: Uint8Array;
  readonly publicKey: MinisignPublicKey;
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** minisign's key id text: the 8 bytes as a little-endian u64 in upper-case hex, no padding. */
export function keyIdText(keyNum: Uint8Array): string {
  return Buffer.from(keyNum).readBigUInt64LE(0).toString(16).toUpperCase();
}

function publicKeyFrom(keyNum: Uint8Array, key: Uint8Array): MinisignPublicKey {
  const bytes = Buffer.concat([Buffer.from(ALG), keyNum, key]);
  return { id: keyIdText(keyNum), keyNum, key, base64: bytes.toString('base64') };
}

/** The Node KeyObject of a public key, for crypto.verify. */
export function publicKeyObject(pk: MinisignPublicKey): KeyObject {
  return createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: b64url(pk.key) } });
}

/** The Node KeyObject of a secret key, for crypto.sign. */
export function secretKeyObject(sk: MinisignSecretKey): KeyObject {
  return createPrivateKey({
    format: 'jwk',
    key: { kty: 'OKP', crv: 'Ed25519', d: b64url(sk.seed), x: b64url(sk.publicKey.key) },
  });
}

function rawPublicOf(seed: Uint8Array): Uint8Array {
  const jwk = createPrivateKey({
    // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): a fixed 16-byte prefix.
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  }).export({ format: 'jwk' }) as { x: string };
  return Buffer.from(jwk.x, 'base64url');
}

/** A new Ed25519 key pair with a random key id, as `minisign -G` makes one. */
export function generateKeyPair(): MinisignSecretKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as { d: string; x: string };
  const keyNum = new Uint8Array(randomBytes(8));
  const seed = new Uint8Array(Buffer.from(jwk.d, 'base64url'));
  return {
    id: keyIdText(keyNum),
    keyNum,
    seed,
    publicKey: publicKeyFrom(keyNum, Buffer.from(jwk.x, 'base64url')),
  };
}

function bad(what: string, why: string, details: Record<string, unknown> = {}): RepositoryError {
  return new RepositoryError('REPO_KEY_INVALID', `${what}: ${why}`, { source: what, ...details });
}

/** The base64 line of a key file's text: the first line that is not a comment. */
function keyLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !l.startsWith(COMMENT) && !l.startsWith('trusted comment: '));
}

function decodeBase64(line: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(line)) return undefined;
  return Buffer.from(line, 'base64');
}

/**
 * A minisign public key, from the text of a `.pub` file (comment line, base64 line) or from its
 * base64 line alone (`minisign -P RWS…`). `label` names it in errors. Throws REPO_KEY_INVALID.
 */
export function parsePublicKey(text: string, label = 'public key'): MinisignPublicKey {
  const line = keyLine(text);
  if (line === undefined) throw bad(label, 'no key in it');
  const bytes = decodeBase64(line);
  if (bytes === undefined || bytes.length !== PUBLIC_BYTES)
    throw bad(label, `not a minisign public key (${JSON.stringify(line.slice(0, 60))})`);
  if (bytes.subarray(0, 2).toString('latin1') !== ALG)
    throw bad(
      label,
      `unsupported signature algorithm ${JSON.stringify(bytes.subarray(0, 2).toString('latin1'))}`,
    );
  return publicKeyFrom(new Uint8Array(bytes.subarray(2, 10)), new Uint8Array(bytes.subarray(10)));
}

/** The two-line `.pub` file minisign writes (and reads). */
export function formatPublicKey(pk: MinisignPublicKey): string {
  return `${COMMENT}minisign public key ${pk.id}\n${pk.base64}\n`;
}

async function checksum(keyNum: Uint8Array, seed: Uint8Array, pub: Uint8Array): Promise<Uint8Array> {
  const hex = await blake2b(Buffer.concat([Buffer.from(ALG), keyNum, seed, pub]), 256);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * A minisign secret key file's text. Only unencrypted keys (`moss keygen`, `minisign -G -W`) are
 * read: a password prompt has no place in an unattended repository build, and scrypt at
 * minisign's parameters needs 1 GiB of memory. An encrypted key is refused with a hint.
 */
export async function parseSecretKey(text: string, label = 'secret key'): Promise<MinisignSecretKey> {
  const line = keyLine(text);
  if (line === undefined) throw bad(label, 'no key in it');
  const bytes = decodeBase64(line);
  if (bytes === undefined || bytes.length !== SECRET_BYTES) throw bad(label, 'not a minisign secret key');
  if (bytes.subarray(0, 2).toString('latin1') !== ALG) throw bad(label, 'unsupported signature algorithm');
  const kdf = bytes.subarray(2, 4);
  if (kdf.toString('latin1') === 'Sc') {
    throw new RepositoryError(
      'REPO_KEY_ENCRYPTED',
      `${label} is protected by a password, which moss does not ask for`,
      { source: label },
      undefined,
      'remove the password with `minisign -C -W -s FILE`, or make a key with `moss keygen`',
    );
  }
  if (kdf[0] !== 0 || kdf[1] !== 0) throw bad(label, 'unsupported key derivation');
  if (bytes.subarray(4, 6).toString('latin1') !== 'B2') throw bad(label, 'unsupported checksum');
  const at = 6 + 32 + 8 + 8;
  const keyNum = new Uint8Array(bytes.subarray(at, at + 8));
  const seed = new Uint8Array(bytes.subarray(at + 8, at + 40));
  const pub = new Uint8Array(bytes.subarray(at + 40, at + 72));
  const chk = bytes.subarray(at + 72, at + 104);
  // minisign 0.11 leaves the checksum of an unencrypted key zeroed; ours carries it. Either
  // way the embedded public key must be the one the seed makes: that catches a damaged file.
  const zero = chk.every((b) => b === 0);
  if (!zero && !Buffer.from(await checksum(keyNum, seed, pub)).equals(chk))
    throw bad(label, 'its checksum does not match (damaged file?)');
  if (!Buffer.from(rawPublicOf(seed)).equals(pub))
    throw bad(label, 'its public key does not match its secret key (damaged file?)');
  return { id: keyIdText(keyNum), keyNum, seed, publicKey: publicKeyFrom(keyNum, pub) };
}

/** The two-line unencrypted secret key file, readable by `minisign -S -s FILE`. */
export async function formatSecretKey(sk: MinisignSecretKey): Promise<string> {
  const bytes = Buffer.concat([
    Buffer.from(ALG),
    Buffer.from([0, 0]),
    Buffer.from('B2'),
    Buffer.alloc(32 + 8 + 8),
    sk.keyNum,
    sk.seed,
    sk.publicKey.key,
    await checksum(sk.keyNum, sk.seed, sk.publicKey.key),
  ]);
  return `${COMMENT}minisign secret key ${sk.id} (unencrypted; keep it secret)\n${bytes.toString('base64')}\n`;
}
