import { resolve } from 'node:path';
import { applyBootPlan } from './apply-boot-plan.js';
import { locateBootDirs } from './boot-dirs.js';
import { BootError } from './boot-error.js';
import { planBootEntries, selectStates } from './plan-boot-entries.js';
import { normaliseStates, readBootStates } from './read-boot-states.js';
import type { SyncBootOptions, SyncBootResult } from './sync-boot-types.js';
import { installSystemdBoot, type LoaderInstall } from './systemd-boot.js';

export { MANIFEST_NAME } from './apply-boot-plan.js';
export type {
  BootEvent,
  BootStateInput,
  SyncBootOptions,
  SyncBootResult,
  SyncedEntry,
} from './sync-boot-types.js';

/**
 * Brings the boot partition in step with the states: one BLS entry per kernel of the
 * default state and the `keep` newest others (with `moss.fstx=<id>`), kernels and initrds
 * copied once per content, systemd-boot installed or updated, and entries and files of
 * states no longer selected removed. Only files recorded in the manifest
 * (`/<token>/serpent-boot.json`) are ever removed; the manifest is widened before any copy
 * and narrowed after cleanup, so a crash leaves at worst files that the next run removes.
 */
export async function syncBoot(options: SyncBootOptions): Promise<SyncBootResult> {
  const root = resolve(options.root);
  const mode = root === '/' ? 'native' : 'image';
  const emit = options.onEvent ?? (() => {});
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    emit({ type: 'warning', message });
  };
  const empty = {
    mode,
    entries: [],
    copied: [],
    unchanged: 0,
    removed: [],
    bootloader: [],
    warnings,
  } as const;
  const keep = options.keep ?? 4;
  if (!Number.isInteger(keep) || keep < 0) {
    throw new BootError('BOOT_INVALID_INPUT', root, `keep must be a whole number ≥ 0, got ${keep}`);
  }
  const states = normaliseStates(options.states);
  const selected = selectStates(
    states,
    keep,
    options.defaultId === undefined ? undefined : String(options.defaultId),
  );
  if (selected.length === 0) {
    if (options.defaultId !== undefined) {
      throw new BootError(
        'BOOT_INVALID_INPUT',
        root,
        `default state ${options.defaultId} is not among the states`,
      );
    }
    return { ...empty, status: 'skipped', reason: 'no states given' };
  }

  const dirs = locateBootDirs(options, root, mode);
  if ('skipped' in dirs) return { ...empty, status: 'skipped', reason: dirs.skipped };
  const { espDir, bootRoot, rootArguments } = dirs;
  const infos = await readBootStates(selected, root, warn);
  if (infos.length === 0) {
    return { ...empty, status: 'skipped', reason: 'no selected state has a kernel', espDir, bootRoot };
  }
  const token = options.entryToken ?? infos[0]!.os.id;
  const plan = planBootEntries({ token, osName: options.osName, rootArguments, states: infos });
  let bootloader: LoaderInstall[] = [];
  const written = await applyBootPlan(plan, bootRoot, token, emit, async () => {
    if (options.installBootloader !== false)
      bootloader = await installSystemdBoot(selected[0]!.usrDir, espDir);
  });
  return { status: 'synced', mode, espDir, bootRoot, ...written, bootloader, warnings };
}
