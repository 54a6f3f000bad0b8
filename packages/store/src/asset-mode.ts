import type { LayoutEntry } from '@serpent/stone';

/** Mode of a stored asset: read-only content, never writable through a hard link by its owner. */
export const ASSET_MODE = 0o444;
/** Mode of an asset that a layout entry ships executable. */
export const EXECUTABLE_ASSET_MODE = 0o555;

/**
 * The mode each digest's asset is created with: 0o555 when any regular entry of the layout that
 * uses it has an execute bit, else 0o444. Write bits are never set (assets are shared by every
 * state through hard links; moss's blit chmods the shared inode per entry, which clobbers exec
 * bits across packages, moss.md §4.3), and set-id and sticky bits never are either: a set-uid
 * asset would be one more hard link to a privileged binary that outlives its package.
 */
export function assetModes(layout: readonly LayoutEntry[]): Map<string, number> {
  const modes = new Map<string, number>();
  for (const e of layout) {
    if (e.type !== 'regular') continue;
    const exec = (e.mode & 0o111) !== 0;
    if (exec) modes.set(e.hash, EXECUTABLE_ASSET_MODE);
    else if (!modes.has(e.hash)) modes.set(e.hash, ASSET_MODE);
  }
  return modes;
}
