import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SerpentError } from '@serpent/errors';
import { type Lock, parseLock, parseModel, type SystemModel } from '@serpent/state-export';
import { versions } from '../versions.js';

// The files of exported states, read for `sync --lock/--model` and `install --to --lock`.

/** What a lock names as its writer (the version the bundler wrote in, or the package's). */
export const generator = (): string => `moss ${versions().version}`;

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(resolve(file), 'utf8');
  } catch (err) {
    throw new SerpentError('MOSS_FILE_UNREADABLE', `cannot read the ${what} ${file}`, {
      hint: `give the path of a ${what} (\`moss state export${what === 'lock' ? '' : ' --model'} -o FILE\` writes one)`,
      details: { file },
      cause: err,
    });
  }
}

/** A lock file, parsed and checked against its schema. */
export async function readLockFile(file: string): Promise<Lock> {
  return parseLock(await readText(file, 'lock'), file);
}

/** A system model file, parsed and checked against its schema. */
export async function readModelFile(file: string): Promise<SystemModel> {
  return parseModel(await readText(file, 'system model'), file);
}
