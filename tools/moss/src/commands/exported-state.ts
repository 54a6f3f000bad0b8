import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SerpentError } from '@serpent/errors';
import { type Lock, parseLock, parseModel, type SystemModel } from '@serpent/state-export';

// The files of exported states, read for `sync --lock/--model` and `install --to --lock`.

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
/** What a lock names as its writer. */
export const GENERATOR = `moss ${pkg.version}`;

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
