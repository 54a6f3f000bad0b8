import type { Store } from '@serpent/store';
import type { SystemDbs } from '../db/system-dbs.js';
import type { RootLayout } from '../root/root-layout.js';

/**
 * What the engine works on: a root whose lock is held, its databases and its store open, any
 * interrupted transaction settled. Made by the Root (root/root-session.ts) for the duration of
 * one locked call; the engine never opens or closes it.
 */
export interface Installation {
  readonly root: string;
  readonly layout: RootLayout;
  readonly dbs: SystemDbs;
  readonly store: Store;
  /** The live state, from `/usr/.stateID`. */
  activeStateId(): number | undefined;
  /** The id the next state will get: ids are never reused, not even those of pruned states. */
  nextStateId(): number;
}
