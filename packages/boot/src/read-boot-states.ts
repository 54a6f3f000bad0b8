import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hashFile } from './atomic-write.js';
import { BootError } from './boot-error.js';
import { readCmdlineSnippets } from './cmdline.js';
import { discoverKernels } from './kernels.js';
import { type OsRelease, parseOsRelease } from './os-release.js';
import type { StateBootInfo } from './plan-boot-entries.js';
import type { BootStateInput } from './sync-boot-types.js';

/**
 * What the boot entries of the selected states are made from: each state's kernels and initrds
 * (with the SHA-256 that names their copies), os-release and kernel command line snippets. A
 * state without a tree or a kernel gets no entry and a warning; the default state must have a tree.
 */
export async function readBootStates(
  selected: readonly NormalState[],
  root: string,
  warn: (message: string) => void,
): Promise<StateBootInfo[]> {
  const infos: StateBootInfo[] = [];
  for (const [i, state] of selected.entries()) {
    if (!existsSync(state.usrDir)) {
      if (i === 0)
        throw new BootError(
          'BOOT_INVALID_INPUT',
          state.usrDir,
          `state ${state.id}: its /usr tree is missing`,
        );
      warn(`state ${state.id}: ${state.usrDir} is missing; no entry`);
      continue;
    }
    const kernels = discoverKernels(state.usrDir);
    if (kernels.length === 0) {
      warn(`state ${state.id}: no kernel in ${state.usrDir}/lib/kernel or lib/modules; no entry`);
      continue;
    }
    const hashed = [];
    for (const kernel of kernels) {
      const initrdHashes: string[] = [];
      for (const initrd of kernel.initrds) initrdHashes.push((await hashFile(initrd))!);
      hashed.push({ kernel, imageHash: (await hashFile(kernel.image))!, initrdHashes });
    }
    infos.push({
      id: state.id,
      createdAt: state.createdAt,
      summary: state.summary,
      os: readOsRelease(state.usrDir),
      kernels: hashed,
      snippets: readCmdlineSnippets([
        join(state.usrDir, 'lib/kernel/cmdline.d'),
        join(root, 'etc/kernel/cmdline.d'),
      ]).map((s) => s.text),
    });
  }
  return infos;
}

export interface NormalState {
  readonly id: string;
  readonly usrDir: string;
  readonly createdAt: Date;
  readonly summary: string | undefined;
}

export function normaliseStates(states: readonly BootStateInput[]): NormalState[] {
  const seen = new Set<string>();
  return states.map((s) => {
    const id = String(s.id);
    if (!/^[A-Za-z0-9._-]+$/.test(id)) {
      throw new BootError(
        'BOOT_INVALID_INPUT',
        s.usrDir,
        `state id ${JSON.stringify(id)} is not a plain token`,
      );
    }
    if (seen.has(id)) throw new BootError('BOOT_INVALID_INPUT', s.usrDir, `state ${id} is given twice`);
    seen.add(id);
    const createdAt = s.createdAt instanceof Date ? s.createdAt : new Date(s.createdAt);
    if (Number.isNaN(createdAt.getTime())) {
      throw new BootError('BOOT_INVALID_INPUT', s.usrDir, `state ${id} has no valid creation time`);
    }
    return { id, usrDir: resolve(s.usrDir), createdAt, summary: s.summary };
  });
}

function readOsRelease(usrDir: string): OsRelease {
  const path = join(usrDir, 'lib/os-release');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BootError('BOOT_BAD_OS_RELEASE', path, 'cannot read os-release', {}, error);
  }
  const os = parseOsRelease(text);
  if (os === undefined) throw new BootError('BOOT_BAD_OS_RELEASE', path, 'NAME= or a valid ID= is missing');
  return os;
}
