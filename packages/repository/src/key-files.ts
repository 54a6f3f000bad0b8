import { link, lstat, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir, tempPathFor } from '@serpent/durable';
import {
  formatPublicKey,
  formatSecretKey,
  generateKeyPair,
  type MinisignPublicKey,
  type MinisignSecretKey,
  parsePublicKey,
  parseSecretKey,
} from './minisign-key.js';
import { RepositoryError } from './repository-error.js';

/** The public key file beside a secret key file, as `moss keygen` names it. */
export const publicKeyPathFor = (secretKeyPath: string) => `${secretKeyPath}.pub`;

/**
 * Creates `path` with `text`, never replacing anything: the bytes go to a temporary sibling
 * (fsynced, with `mode`), which is then hard-linked to `path`. link(2) fails with EEXIST when
 * the name exists, even if it appeared a moment ago, so a key is never overwritten, and a
 * crash leaves either no file or the complete one.
 */
async function createExclusive(path: string, text: string, mode: number): Promise<void> {
  const temp = tempPathFor(path);
  const fh = await open(temp, 'wx', mode);
  try {
    await fh.chmod(mode); // the umask cannot widen it, but make the mode exact
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * `moss keygen FILE`: a new Ed25519 key pair in minisign's formats, the secret key (unencrypted)
 * at `path` with mode 0600 and the public key at `path.pub`. Refuses (REPO_KEY_EXISTS) when
 * either file exists, before writing anything.
 */
export async function writeKeyPair(path: string): Promise<MinisignSecretKey> {
  const pub = publicKeyPathFor(path);
  for (const p of [path, pub]) {
    // lstat: a dangling symlink at the name counts as taken too.
    const exists = await lstat(p).then(
      () => true,
      (err: NodeJS.ErrnoException) => err.code !== 'ENOENT',
    );
    if (exists) {
      throw new RepositoryError(
        'REPO_KEY_EXISTS',
        `${p} already exists; a key is never overwritten`,
        { file: p },
        undefined,
        'choose another file name, or move the old key away yourself first',
      );
    }
  }
  const key = generateKeyPair();
  try {
    await createExclusive(path, await formatSecretKey(key), 0o600);
    await createExclusive(pub, formatPublicKey(key.publicKey), 0o644);
    await syncDir(dirname(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new RepositoryError(
        'REPO_KEY_EXISTS',
        `${(err as NodeJS.ErrnoException).path ?? path} appeared while the key was written; nothing was overwritten`,
        { file: path },
        err,
      );
    }
    throw new RepositoryError(
      'REPO_IO',
      `cannot write the key ${path}: ${(err as Error).message}`,
      { file: path },
      err,
    );
  }
  return key;
}

async function readText(path: string, what: string, hint: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new RepositoryError('REPO_IO', `cannot read the ${what} ${path}`, { file: path }, err, hint);
  }
}

/** Reads a minisign (or `moss keygen`) secret key file. */
export async function readSecretKey(path: string): Promise<MinisignSecretKey> {
  return parseSecretKey(
    await readText(
      path,
      'secret key',
      'give the path of a minisign secret key, or make one with `moss keygen FILE`',
    ),
    path,
  );
}

/** Reads a minisign public key file. */
export async function readPublicKey(path: string): Promise<MinisignPublicKey> {
  return parsePublicKey(
    await readText(
      path,
      'public key',
      'give the path of a minisign public key (the FILE.pub `moss keygen FILE` wrote)',
    ),
    path,
  );
}
