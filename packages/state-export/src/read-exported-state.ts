import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Lock } from './lock.js';
import { parseLock } from './parse-lock.js';
import { parseModel } from './parse-model.js';
import { StateExportError } from './state-export-error.js';
import type { SystemModel } from './system-model.js';

async function readText(file: string, code: 'LOCK_UNREADABLE' | 'MODEL_UNREADABLE'): Promise<string> {
  try {
    return await readFile(resolve(file), 'utf8');
  } catch (err) {
    const what = code === 'LOCK_UNREADABLE' ? 'lock' : 'system model';
    throw new StateExportError(code, `cannot read the ${what} ${file}`, { file }, err);
  }
}

/** A lock file (`moss state export -o FILE`), parsed and checked against its schema. */
export async function readLockFile(file: string): Promise<Lock> {
  return parseLock(await readText(file, 'LOCK_UNREADABLE'), file);
}

/** A system model file (`moss state export --model -o FILE`), parsed and checked against its schema. */
export async function readModelFile(file: string): Promise<SystemModel> {
  return parseModel(await readText(file, 'MODEL_UNREADABLE'), file);
}
