import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { readBootConfig } from '../boot/boot-config.js';
import { bootStates } from '../boot/sync-boot-entries.js';
import { TransactionError } from '../transaction-error.js';
import type { Installation } from './installation.js';
import { readStateId } from './state-id.js';
import { readLedger, type TreeLedger } from './tree-ledger.js';

/** `<root>/etc/moss/states.yaml`: how many archived trees stay ready to activate by one swap. */
export interface TreesConfig {
  /**
   * Archived `/usr` trees kept besides the live one (default 1: rolling back to the previous
   * state is one swap). Older trees are changed into new states' trees by later transactions,
   * and rebuilt from the databases and the store when their state is activated. Trees that boot
   * entries name are always kept.
   */
  readonly keepTrees: number;
}

export function treesConfigPath(root: string): string {
  return join(root, 'etc', 'moss', 'states.yaml');
}

export function readTreesConfig(root: string): TreesConfig {
  const file = treesConfigPath(root);
  if (!existsSync(file)) return { keepTrees: 1 };
  let doc: unknown;
  try {
    // The YAML parser is loaded only for a root that has the file (most have none).
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    doc = parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new TransactionError('TX_ROOT_INVALID', `${file} is not valid YAML`, {
      cause,
      hint: 'fix or remove it',
      details: { file },
    });
  }
  const keep = (doc as Record<string, unknown> | null)?.['keep-trees'];
  if (keep === undefined) return { keepTrees: 1 };
  if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 0) {
    throw new TransactionError('TX_ROOT_INVALID', `${file}: keep-trees must be a whole number ≥ 0`, {
      hint: 'set it to the number of archived trees to keep ready, e.g. `keep-trees: 1`',
      details: { file, value: keep },
    });
  }
  return { keepTrees: keep };
}

/** A tree that may be changed into the next state's. */
export interface SpareTree {
  /** Its `/usr` directory. */
  readonly usr: string;
  /** The state it is the archived tree of; undefined for a tree left by an interrupted run. */
  readonly stateId: number | undefined;
  readonly ledger: TreeLedger;
  readonly sealedMs: number;
}

/**
 * The states whose trees must stay on disk because a boot entry names them (a boot-time
 * rollback exchanges `/usr` with `.moss/root/<id>/usr` and cannot rebuild it): those the boot
 * menu shows, counted the way the boot sync selects them. Empty when moss manages no boot
 * entries for this root (an image with no boot directory configured).
 */
export async function bootProtectedStates(inst: Installation): Promise<Set<number>> {
  const config = readBootConfig(inst.root);
  if (resolve(inst.root) !== '/' && !config.bootDir) return new Set();
  const { selectStates } = await import('@serpent/boot');
  const states = bootStates(inst).map((s) => ({ id: String(s.id), createdAt: new Date(s.createdAt) }));
  const named = (defaultId: number | undefined) =>
    selectStates(states, config.keep ?? 4, defaultId === undefined ? undefined : String(defaultId)).map((s) =>
      Number(s.id),
    );
  const out = new Set(named(inst.activeStateId()));
  // The initrd activated a state picked in the boot menu and the menu has not followed yet
  // (its marker is still there: the boot sync failed, e.g. an unmounted ESP). The entries on
  // disk are still those made around the state that was the default then, and any of them
  // can be picked at the next boot.
  const marker = bootActivationMarker(inst);
  if (marker !== undefined) {
    for (const id of named(marker.previousId)) out.add(id);
    if (marker.targetId !== undefined) out.add(marker.targetId);
  }
  return out;
}

/** `.moss/boot-activation.json`, left by the initrd's moss-fstx until the boot menu follows. */
function bootActivationMarker(
  inst: Installation,
): { targetId: number | undefined; previousId: number | undefined } | undefined {
  const file = inst.layout.bootActivation;
  if (!existsSync(file)) return undefined;
  let m: { targetId?: unknown; previousId?: unknown } = {};
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // Unreadable: the live state's selection still applies.
  }
  const id = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
  return { targetId: id(m.targetId), previousId: id(m.previousId) };
}

/**
 * Trees a transaction may change into its new tree: archived trees beyond the `keepTrees`
 * newest (the live tree becomes the newest once the transaction swaps) and not named by a boot
 * entry, and a tree an interrupted transaction left (`.moss/root/spare/usr`). Each must carry a
 * ledger and, archived, say it is its state's (`.stateID`): a tree exchanged by something else
 * is never trusted.
 */
export async function spareTrees(
  inst: Installation,
  except: ReadonlySet<number> = new Set(),
): Promise<SpareTree[]> {
  const L = inst.layout;
  const { keepTrees } = readTreesConfig(inst.root);
  const live = inst.activeStateId();
  const archived = readdirSync(L.rootsDir)
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((id) => id !== live && !except.has(id) && existsSync(L.stateUsr(id)))
    .sort((a, b) => b - a);
  // The newest keepTrees - 1 archived trees stay (the live one is about to join them).
  const kept = new Set(archived.slice(0, Math.max(0, keepTrees - 1)));
  const protectedIds = await bootProtectedStates(inst);
  const out: SpareTree[] = [];
  for (const id of archived) {
    if (kept.has(id) || protectedIds.has(id)) continue;
    const usr = L.stateUsr(id);
    if (readStateId(usr) !== id) continue;
    const l = readLedger(usr);
    if (l !== undefined) out.push({ usr, stateId: id, ledger: l.ledger, sealedMs: l.sealedMs });
  }
  const parked = readLedger(L.spareUsr);
  if (parked !== undefined)
    out.push({ usr: L.spareUsr, stateId: undefined, ledger: parked.ledger, sealedMs: parked.sealedMs });
  return out;
}

/** How much work changing `spare` into a tree of `packages` is: the layout rows that go and come. */
export interface SpareChoice {
  readonly spare: SpareTree;
  readonly removed: readonly string[];
  readonly added: readonly string[];
  /** Layout rows of the packages that go and come. */
  readonly changedRows: number;
  /** Layout rows of the target state (estimated from the spare's). */
  readonly targetRows: number;
}

/**
 * The spare tree whose change into `packages` touches the fewest layout rows, if that is less
 * than half the target's rows (beyond that, removing and adding entries costs about as much as
 * making them all: a full build is simpler).
 */
export function chooseSpare(
  inst: Installation,
  packages: readonly string[],
  spares: readonly SpareTree[],
): SpareChoice | undefined {
  if (spares.length === 0) return undefined;
  const target = new Set(packages);
  const diffs = spares.map((spare) => {
    const had = new Set(spare.ledger.packages);
    return {
      spare,
      removed: spare.ledger.packages.filter((p) => !target.has(p)),
      added: packages.filter((p) => !had.has(p)),
    };
  });
  const changed = new Set(diffs.flatMap((d) => [...d.removed, ...d.added]));
  const counts = inst.dbs.layout.rowCounts(changed);
  const rows = (ids: readonly string[]) => ids.reduce((n, id) => n + (counts.get(id) ?? 0), 0);
  let best: SpareChoice | undefined;
  for (const d of diffs) {
    const removedRows = rows(d.removed);
    const addedRows = rows(d.added);
    const choice = {
      ...d,
      changedRows: removedRows + addedRows,
      targetRows: d.spare.ledger.rows - removedRows + addedRows,
    };
    if (best === undefined || choice.changedRows < best.changedRows) best = choice;
  }
  if (best === undefined || best.changedRows * 2 > best.targetRows) return undefined;
  return best;
}
