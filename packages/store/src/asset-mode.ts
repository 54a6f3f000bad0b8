import type { LayoutEntry } from '@serpent/stone';

/** Mode of an asset no layout entry describes (not reached through precache). */
export const ASSET_MODE = 0o644;
/** Mode of an executable asset when nothing more specific is known. */
export const EXECUTABLE_ASSET_MODE = 0o755;

/**
 * The mode each digest's asset is created with: the permission bits (`mode & 0o777`) of the
 * first regular layout entry that uses it. The blit hard-links an entry only when its mode
 * equals its asset's, so giving the asset the mode packages ship it with (0644 and 0755 for
 * almost every file) makes nearly every entry a link. The first integration gave assets 0444
 * and 0555, and every file of every /usr became a copy (3,000 entries: 4.4 s instead of a
 * link each). Set-id and sticky bits are never given to an asset: an entry that wants them
 * gets its own copy from the blit, so no store file is a privileged binary that outlives its
 * package. The store never changes an asset's mode afterwards (moss chmods the shared inode per
 * entry, clobbering exec bits across packages, moss.md §4.3).
 */
export function assetModes(layout: readonly LayoutEntry[]): Map<string, number> {
  const modes = new Map<string, number>();
  for (const e of layout) {
    if (e.type !== 'regular' || modes.has(e.hash)) continue;
    modes.set(e.hash, e.mode & 0o777);
  }
  return modes;
}
