import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '@serpent/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkSignature,
  formatPublicKey,
  formatSecretKey,
  formatSignature,
  generateKeyPair,
  parsePublicKey,
  parseSecretKey,
  parseSignature,
  readPublicKey,
  readSecretKey,
  signatureTimestamp,
  signData,
  writeKeyPair,
} from '../src/index.ts';
import { tempDir } from './helpers.ts';

const HAVE_MINISIGN = spawnSync('minisign', ['-v']).status === 0;
const NO_MINISIGN =
  'the minisign tool is not installed (scripts/system-deps.mjs installs it as root with apt)';
if (!HAVE_MINISIGN) console.warn(`skipping the minisign interoperability tests: ${NO_MINISIGN}`);

let work: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: work, cleanup } = await tempDir('minisign'));
});
afterEach(() => cleanup());

const data = new TextEncoder().encode('the bytes of a stone.index\n');

describe('minisign keys and signatures', () => {
  it('round-trips keys through their text forms', async () => {
    const key = generateKeyPair();
    expect(key.id).toMatch(/^[0-9A-F]{1,16}$/);
    const pub = parsePublicKey(formatPublicKey(key.publicKey));
    expect(pub.base64).toBe(key.publicKey.base64);
    expect(pub.base64).toMatch(/^RW[A-Za-z0-9+/]{54}$/);
    expect(parsePublicKey(pub.base64).id).toBe(key.id); // the bare base64 line, as `minisign -P`
    const back = await parseSecretKey(await formatSecretKey(key));
    expect(back.id).toBe(key.id);
    expect(Buffer.from(back.seed).equals(Buffer.from(key.seed))).toBe(true);
  });

  it('signs, verifies, and says what failed: another key, changed bytes, an altered comment', () => {
    const key = generateKeyPair();
    const other = generateKeyPair();
    const sig = signData(data, key, { trusted: 'timestamp:1700000000\tfile:stone.index\thashed' });
    const parsed = parseSignature(formatSignature(sig));
    expect(parsed.keyId).toBe(key.id);
    expect(signatureTimestamp(parsed.trustedComment)).toBe(1700000000);
    expect(checkSignature(data, parsed, [other.publicKey, key.publicKey])).toMatchObject({ ok: true });
    expect(checkSignature(data, parsed, [other.publicKey])).toEqual({
      ok: false,
      problem: 'untrusted-key',
      keyId: key.id,
    });
    const tampered = Buffer.from(data);
    tampered[3]! ^= 1;
    expect(checkSignature(tampered, parsed, [key.publicKey])).toMatchObject({ problem: 'data-mismatch' });
    const altered = { ...parsed, trustedComment: 'timestamp:1900000000\tfile:stone.index\thashed' };
    expect(checkSignature(data, altered, [key.publicKey])).toMatchObject({ problem: 'comment-mismatch' });
  });

  it('refuses malformed keys and signatures with REPO_KEY_INVALID / REPO_SIGNATURE_INVALID', () => {
    const raise = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(
      hasCode(
        raise(() => parsePublicKey('RWQnotakey', 'k.pub')),
        'REPO_KEY_INVALID',
      ),
    ).toBe(true);
    expect(
      hasCode(
        raise(() => parseSignature('hello\nworld\n', 'x.minisig')),
        'REPO_SIGNATURE_INVALID',
      ),
    ).toBe(true);
    const key = generateKeyPair();
    const text = formatSignature(signData(data, key, { trusted: 't' }));
    const cut = text.split('\n');
    cut[1] = cut[1]!.slice(0, 20);
    expect(
      hasCode(
        raise(() => parseSignature(cut.join('\n'))),
        'REPO_SIGNATURE_INVALID',
      ),
    ).toBe(true);
  });

  it('keygen writes the secret key with mode 0600 and FILE.pub, and never overwrites either', async () => {
    const file = join(work, 'repo.key');
    const key = await writeKeyPair(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await readSecretKey(file)).id).toBe(key.id);
    expect((await readPublicKey(`${file}.pub`)).base64).toBe(key.publicKey.base64);
    const before = readFileSync(file, 'utf8');
    await expect(writeKeyPair(file)).rejects.toMatchObject({ code: 'REPO_KEY_EXISTS' });
    expect(readFileSync(file, 'utf8')).toBe(before);
    // Only the .pub exists: refused too, and no secret key is left behind.
    const lone = join(work, 'lone.key');
    writeFileSync(`${lone}.pub`, 'mine');
    await expect(writeKeyPair(lone)).rejects.toMatchObject({ code: 'REPO_KEY_EXISTS' });
    expect(() => statSync(lone)).toThrow();
  });
});

describe.skipIf(!HAVE_MINISIGN)('interoperability with the real minisign', () => {
  const run = (args: string[]) => spawnSync('minisign', args, { cwd: work, encoding: 'utf8', input: '' });

  it('minisign verifies our signatures, made with our key files', async () => {
    const keyFile = join(work, 'ours.key');
    const key = await writeKeyPair(keyFile);
    const file = join(work, 'stone.index');
    writeFileSync(file, data);
    const sig = signData(data, key, { trusted: 'timestamp:1700000000\tfile:stone.index\thashed' });
    writeFileSync(`${file}.minisig`, formatSignature(sig));
    const v = run(['-V', '-p', `${keyFile}.pub`, '-m', file]);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain('Trusted comment: timestamp:1700000000\tfile:stone.index\thashed');
    // A changed byte fails minisign's check too.
    writeFileSync(file, Buffer.concat([Buffer.from(data), Buffer.from('x')]));
    expect(run(['-V', '-p', `${keyFile}.pub`, '-m', file]).status).not.toBe(0);
  });

  it('minisign signs with a key moss made, and we verify that signature', async () => {
    const keyFile = join(work, 'ours.key');
    const key = await writeKeyPair(keyFile);
    const file = join(work, 'payload');
    writeFileSync(file, data);
    const s = run(['-S', '-s', keyFile, '-m', file]);
    expect(s.status, s.stderr).toBe(0);
    const sig = parseSignature(readFileSync(`${file}.minisig`, 'utf8'));
    expect(checkSignature(data, sig, [key.publicKey])).toMatchObject({ ok: true });
    // minisign's default trusted comment carries the timestamp the replay check reads.
    expect(signatureTimestamp(sig.trustedComment)).toBeGreaterThan(1_600_000_000);
  });

  it('we verify minisign signatures (prehashed and legacy) and sign with its keys', async () => {
    const g = run(['-G', '-W', '-p', 'theirs.pub', '-s', 'theirs.key']);
    expect(g.status, g.stderr).toBe(0);
    const pub = await readPublicKey(join(work, 'theirs.pub'));
    const file = join(work, 'payload');
    writeFileSync(file, data);
    for (const legacy of [false, true]) {
      const s = run([
        '-S',
        ...(legacy ? ['-l'] : []),
        '-s',
        'theirs.key',
        '-m',
        'payload',
        '-t',
        'timestamp:42',
      ]);
      expect(s.status, s.stderr).toBe(0);
      const sig = parseSignature(readFileSync(`${file}.minisig`, 'utf8'));
      expect(sig.algorithm).toBe(legacy ? 'Ed' : 'ED');
      expect(checkSignature(data, sig, [pub])).toMatchObject({ ok: true, trustedComment: 'timestamp:42' });
    }
    // Their secret key (minisign leaves its checksum zeroed when unencrypted) signs with us.
    const theirs = await readSecretKey(join(work, 'theirs.key'));
    expect(theirs.id).toBe(pub.id);
    writeFileSync(`${file}.minisig`, formatSignature(signData(data, theirs, { trusted: 'timestamp:7' })));
    const v = run(['-V', '-p', 'theirs.pub', '-m', 'payload']);
    expect(v.status, v.stderr).toBe(0);
  });
});
