/** The steps of a transaction, in order; each is timed and reported. */
export type TransactionPhase =
  | 'recover'
  | 'resolve'
  | 'fetch'
  | 'precache'
  /** The new packages' meta and layout rows (after the store's syncfs), one transaction each. */
  | 'register'
  | 'build'
  /** Planning the change of a spare tree into the new state's, from the packages that change. */
  | 'plan'
  | 'blit'
  /** Changing the spare tree in place (instead of a blit). */
  | 'change'
  | 'triggers'
  | 'sync'
  | 'swap'
  | 'record'
  | 'system-triggers'
  | 'boot'
  | 'prune'
  | 'verify';

/**
 * What the engine tells whoever drives it. The tools render these (bars on a terminal, NDJSON
 * with --json); the library never prints.
 */
export type TransactionEvent =
  | { readonly type: 'phase-start'; readonly phase: TransactionPhase }
  | { readonly type: 'phase-end'; readonly phase: TransactionPhase; readonly ms: number }
  | { readonly type: 'waiting-for-lock'; readonly pid?: number; readonly command?: string }
  | {
      readonly type: 'recovered';
      readonly outcome: 'rolled-back' | 'completed';
      readonly stateId: number | null;
      /**
       * Rolled back with a staged tree: `kept` (complete, kept for the next transaction),
       * `finished` (its interrupted in-place change finished, then kept), `discarded` (deleted).
       */
      readonly tree?: 'kept' | 'finished' | 'discarded';
    }
  /**
   * The state picked in the boot menu was made live by the initrd (moss-fstx) since moss last
   * ran; the boot menu follows it now. `previousId` is the state it replaced.
   */
  | { readonly type: 'activated-at-boot'; readonly stateId: number; readonly previousId: number | null }
  | {
      readonly type: 'precache-progress';
      readonly stonesDone: number;
      readonly stones: number;
      readonly bytesDone: number;
      readonly bytes: number;
    }
  | {
      readonly type: 'fetch-progress';
      readonly packagesDone: number;
      readonly packages: number;
      readonly bytesDone: number;
      readonly bytes: number;
    }
  | { readonly type: 'blit-progress'; readonly done: number; readonly total: number }
  | {
      readonly type: 'change-progress';
      /** The step of the in-place change that progressed (each also reports once it is done). */
      readonly step: 'unlink' | 'rmdir' | 'mkdir' | 'create' | 'converge';
      readonly done: number;
      readonly total: number;
    }
  | {
      readonly type: 'trigger';
      readonly trigger: string;
      readonly scope: 'transaction' | 'system';
      readonly argv: readonly string[];
    }
  | {
      /** One whole line of a trigger's output (with its `\n`, or the last piece without). */
      readonly type: 'trigger-output';
      readonly trigger: string;
      readonly stream: 'stdout' | 'stderr';
      readonly text: string;
    }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'verify-progress'; readonly checked: number; readonly total: number };

export type EventSink = (event: TransactionEvent) => void;

/** Runs `fn` as a timed phase. */
export async function phase<T>(
  onEvent: EventSink | undefined,
  name: TransactionPhase,
  fn: () => Promise<T> | T,
): Promise<T> {
  onEvent?.({ type: 'phase-start', phase: name });
  const t0 = performance.now();
  const r = await fn();
  onEvent?.({ type: 'phase-end', phase: name, ms: Math.round(performance.now() - t0) });
  return r;
}
