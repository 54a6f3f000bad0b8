import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BootStateInput, SyncBootResult } from '@serpent/boot';
import type { Installation } from '../transaction/installation.js';
import type { EventSink } from '../transaction/transaction-event.js';
import { type BootConfig, readBootConfig } from './boot-config.js';

/** What boot entries are made from: the root, its state DB and which state is live. */
export type BootRoot = Pick<Installation, 'root' | 'layout' | 'dbs' | 'activeStateId'>;

/** Every recorded state whose tree exists, as the boot layer takes them. */
export function bootStates(inst: BootRoot): BootStateInput[] {
  const active = inst.activeStateId();
  return inst.dbs.state.listStates().flatMap((s) => {
    const usrDir = s.id === active ? inst.layout.usr : inst.layout.stateUsr(s.id);
    return existsSync(usrDir)
      ? [{ id: s.id, usrDir, createdAt: s.created, ...(s.summary ? { summary: s.summary } : {}) }]
      : [];
  });
}

/**
 * Brings the boot menu in step with the states: the active state is the default entry and the
 * `keep` newest others follow. A root other than `/` is an image and is synced only when its
 * boot directory is configured (`moss boot sync --boot-dir DIR` records it): the host's ESP is
 * never touched for it. Returns undefined when there is nothing to sync to.
 */
export async function syncBootEntries(
  inst: BootRoot,
  options: { override?: BootConfig; onEvent?: EventSink } = {},
): Promise<SyncBootResult | undefined> {
  const config = { ...readBootConfig(inst.root), ...options.override };
  const image = resolve(inst.root) !== '/';
  if (image && !config.bootDir) return undefined;
  const active = inst.activeStateId();
  // Loaded only here: a transaction on a root with no boot entries to manage never needs it.
  const { syncBoot } = await import('@serpent/boot');
  return syncBoot({
    root: inst.root,
    states: bootStates(inst),
    ...(active !== undefined ? { defaultId: active } : {}),
    ...(config.keep !== undefined ? { keep: config.keep } : {}),
    ...(config.bootDir ? { bootDir: config.bootDir } : {}),
    ...(config.xbootldrDir ? { xbootldrDir: config.xbootldrDir } : {}),
    onEvent: (e) => {
      if (e.type === 'warning') options.onEvent?.({ type: 'warning', message: `boot: ${e.message}` });
    },
  });
}
