import { createHash, sign, verify } from 'node:crypto';
import {
  keyIdText,
  type MinisignPublicKey,
  type MinisignSecretKey,
  publicKeyObject,
  secretKeyObject,
} from './minisign-key.js';
import { RepositoryError } from './repository-error.js';

// A minisign signature file, four lines:
//   untrusted comment: <text>
//   base64( "ED" (BLAKE2b-512 prehashed) or "Ed" (legacy, the whole file) | key id (8) | sig (64) )
//   trusted comment: <text>
//   base64( Ed25519 over sig (64) | trusted comment bytes )   the "global signature"
// The trusted comment is covered by the global signature, so its timestamp can be believed.

const UNTRUSTED = 'untrusted comment: ';
const TRUSTED = 'trusted comment: ';
/** minisign's TRUSTEDCOMMENTMAXBYTES plus the rest: a signature file is never larger. */
export const MAX_SIGNATURE_BYTES = 16 * 1024;

export interface MinisignSignature {
  /** `ED`: the signature is over the file's BLAKE2b-512 (minisign's default since 0.8); `Ed`: over the file. */
  readonly algorithm: 'ED' | 'Ed';
  readonly keyNum: Uint8Array;
  /** The key id as minisign prints it. */
  readonly keyId: string;
  readonly signature: Uint8Array;
  readonly untrustedComment: string;
  readonly trustedComment: string;
  readonly globalSignature: Uint8Array;
}

function bad(label: string, why: string): RepositoryError {
  return new RepositoryError('REPO_SIGNATURE_INVALID', `${label}: ${why}`, { signature: label, reason: why });
}

/** Parses a `.minisig` file's text. Throws REPO_SIGNATURE_INVALID naming `label`. */
export function parseSignature(text: string, label = 'signature'): MinisignSignature {
  if (text.length > MAX_SIGNATURE_BYTES) throw bad(label, 'too large to be a minisign signature');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const [c1, s1, c2, s2] = lines;
  if (c1 === undefined || !c1.startsWith(UNTRUSTED))
    throw bad(label, 'not a minisign signature (no untrusted comment line)');
  if (c2 === undefined || !c2.startsWith(TRUSTED))
    throw bad(label, 'not a minisign signature (no trusted comment line)');
  const sig = s1 !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(s1) ? Buffer.from(s1, 'base64') : undefined;
  const global =
    s2 !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(s2) ? Buffer.from(s2, 'base64') : undefined;
  if (sig?.length !== 74) throw bad(label, 'the signature line is not 74 bytes of base64');
  if (global?.length !== 64) throw bad(label, 'the global signature line is not 64 bytes of base64');
  const algorithm = sig.subarray(0, 2).toString('latin1');
  if (algorithm !== 'ED' && algorithm !== 'Ed')
    throw bad(label, `unsupported algorithm ${JSON.stringify(algorithm)}`);
  const keyNum = new Uint8Array(sig.subarray(2, 10));
  return {
    algorithm,
    keyNum,
    keyId: keyIdText(keyNum),
    signature: new Uint8Array(sig.subarray(10)),
    untrustedComment: c1.slice(UNTRUSTED.length),
    trustedComment: c2.slice(TRUSTED.length),
    globalSignature: new Uint8Array(global),
  };
}

/** The four-line text minisign writes. */
export function formatSignature(sig: MinisignSignature): string {
  const line = Buffer.concat([Buffer.from(sig.algorithm), sig.keyNum, sig.signature]).toString('base64');
  return `${UNTRUSTED}${sig.untrustedComment}\n${line}\n${TRUSTED}${sig.trustedComment}\n${Buffer.from(sig.globalSignature).toString('base64')}\n`;
}

const prehash = (data: Uint8Array) => createHash('blake2b512').update(data).digest();

/**
 * Signs `data` as `minisign -S` does (prehashed `ED`), with `trustedComment` under the global
 * signature. Newlines in comments would break the format and are refused.
 */
export function signData(
  data: Uint8Array,
  key: MinisignSecretKey,
  comments: { trusted: string; untrusted?: string },
): MinisignSignature {
  const untrusted = comments.untrusted ?? `signature from minisign secret key ${key.id}`;
  if (/[\r\n]/.test(comments.trusted) || /[\r\n]/.test(untrusted))
    throw new RepositoryError('REPO_SIGNATURE_INVALID', 'a signature comment cannot contain a line break');
  const k = secretKeyObject(key);
  const signature = new Uint8Array(sign(null, prehash(data), k));
  const globalSignature = new Uint8Array(
    sign(null, Buffer.concat([signature, Buffer.from(comments.trusted, 'utf8')]), k),
  );
  return {
    algorithm: 'ED',
    keyNum: key.keyNum,
    keyId: key.id,
    signature,
    untrustedComment: untrusted,
    trustedComment: comments.trusted,
    globalSignature,
  };
}

/** How a signature failed against the trusted keys. */
export type SignatureProblem =
  /** No trusted key has the signature's key id. */
  | 'untrusted-key'
  /** The data is not what the key signed (tampered, or another file's signature). */
  | 'data-mismatch'
  /** The trusted comment is not what the key signed. */
  | 'comment-mismatch';

export type SignatureCheck =
  | { readonly ok: true; readonly key: MinisignPublicKey; readonly trustedComment: string }
  | { readonly ok: false; readonly problem: SignatureProblem; readonly keyId: string };

/**
 * Checks `sig` over `data` with the first of `keys` whose id it names, as `minisign -V` does:
 * the key id, the signature over the data (or its BLAKE2b-512), then the global signature over
 * signature and trusted comment. Pure; returns what failed rather than throwing.
 */
export function checkSignature(
  data: Uint8Array,
  sig: MinisignSignature,
  keys: readonly MinisignPublicKey[],
): SignatureCheck {
  const key = keys.find((k) => Buffer.from(k.keyNum).equals(sig.keyNum));
  if (key === undefined) return { ok: false, problem: 'untrusted-key', keyId: sig.keyId };
  const pk = publicKeyObject(key);
  const message = sig.algorithm === 'ED' ? prehash(data) : data;
  if (!verify(null, message, pk, sig.signature))
    return { ok: false, problem: 'data-mismatch', keyId: key.id };
  const global = Buffer.concat([sig.signature, Buffer.from(sig.trustedComment, 'utf8')]);
  if (!verify(null, global, pk, sig.globalSignature))
    return { ok: false, problem: 'comment-mismatch', keyId: key.id };
  return { ok: true, key, trustedComment: sig.trustedComment };
}

/**
 * The signing time a trusted comment carries: minisign's own default trusted comment is
 * `timestamp:<unix seconds>\tfile:<name>\thashed`, and `signIndex` writes the same shape, so
 * indexes signed by either tool carry it. Undefined when there is none.
 */
export function signatureTimestamp(trustedComment: string): number | undefined {
  const m = /(?:^|\t)timestamp:(\d{1,15})(?:\t|$)/.exec(trustedComment);
  return m === null ? undefined : Number(m[1]);
}
