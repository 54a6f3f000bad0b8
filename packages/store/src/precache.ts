import { mapLimit } from '@serpent/concurrency';
import { syncDir } from '@serpent/durable';
import type { IndexEntry, LayoutEntry, PackageMeta, StoneReader } from '@serpent/stone';
import { StoneError, withStone } from '@serpent/stone';
import { ASSET_MODE, assetModes } from './asset-mode.js';
import { type AssetFinish, type AssetOutcome, AssetSink } from './asset-sink.js';
import type { PrecacheOptions, PrecacheResult, PrecacheSummary } from './store.js';
import { StoreError } from './store-error.js';
import type { StoreState } from './store-state.js';

/** Progress is reported at most once per this many content bytes (and once at the end). */
const PROGRESS_STEP = 4 * 1024 * 1024;
/** Directory syncs run at once; the thread pool has 4 threads by default. */
const SYNC_CONCURRENCY = 16;

/** Streams one stone's content into the store. See Store.precache. */
export async function precacheStone(
  state: StoreState,
  stonePath: string,
  opts: PrecacheOptions = {},
): Promise<PrecacheResult> {
  throwIfAborted(opts.signal, stonePath);
  state.running++;
  try {
    return await withStone(stonePath, (stone) => precacheOpen(state, stone, stonePath, opts));
  } catch (err) {
    throw asStoreError(err, stonePath);
  } finally {
    state.running--;
  }
}

async function precacheOpen(
  state: StoreState,
  stone: StoneReader,
  stonePath: string,
  opts: PrecacheOptions,
): Promise<PrecacheResult> {
  const meta: PackageMeta = await stone.meta();
  const layout: LayoutEntry[] = await stone.layout();
  const index: IndexEntry[] = await stone.index();
  const sizes = new Map<string, number>();
  for (const e of index) sizes.set(e.digest, e.end - e.start);
  // A layout row whose content the stone does not carry could never be blitted; refuse the
  // package now rather than after the state is half-made.
  for (const e of layout) {
    if (e.type === 'regular' && !sizes.has(e.hash)) {
      throw new StoneError(
        'STONE_MISSING_CONTENT',
        stonePath,
        `/usr/${e.target} has content ${e.hash}, which the index does not hold`,
        { path: e.target, digest: e.hash },
      );
    }
  }
  const contentBytes = index.reduce((n, e) => n + (e.end - e.start), 0);
  const emit = opts.onProgress;
  emit?.({ type: 'start', stone: stonePath, assets: index.length, bytes: contentBytes });

  const missing = new Set<string>();
  for (const [d, size] of sizes) if (!state.probe(d, size)) missing.add(d);

  let summary: PrecacheSummary;
  if (missing.size === 0) {
    summary = {
      assets: index.length,
      assetsAdded: 0,
      assetsSkipped: index.length,
      bytesWritten: 0,
      contentBytes,
      contentSkipped: true,
    };
  } else {
    const unpack = {
      state,
      stone,
      path: stonePath,
      assets: index.length,
      contentBytes,
      modes: assetModes(layout),
      opts,
    };
    summary = await unpackMissing(unpack, missing);
  }
  emit?.({ type: 'done', stone: stonePath, result: summary });
  return { stone: stonePath, meta, layout, index, ...summary };
}

/** One stone's content being unpacked into the store: what every pass over it shares. */
interface StoneUnpack {
  readonly state: StoreState;
  readonly stone: StoneReader;
  readonly path: string;
  /** Index entries of the stone, and the size of its content. */
  readonly assets: number;
  readonly contentBytes: number;
  /** The mode each new asset gets (that of the first layout entry using it). */
  readonly modes: ReadonlyMap<string, number>;
  readonly opts: PrecacheOptions;
}

/** What a pass collects: the writes it started, and the contents it left to another precache. */
interface PassWork {
  readonly jobs: Promise<AssetOutcome>[];
  /** Assets stored at once (no sync to wait for), without a promise each. */
  readonly done: AssetOutcome[];
  readonly waits: { digest: string; stored: Promise<boolean> }[];
}

async function unpackMissing(u: StoneUnpack, missing: ReadonlySet<string>): Promise<PrecacheSummary> {
  const { state, assets, contentBytes } = u;
  let added = 0;
  let bytesWritten = 0;
  const dirs = new Set<string>();
  let todo = missing;
  // Pass 1 writes what no concurrent precache is writing. Content another precache claimed is
  // waited for; in the rare case that it fails (its stone was damaged, or it was cancelled), a
  // second pass over this stone writes it, without deferring to anyone this time.
  for (let pass = 1; todo.size > 0; pass++) {
    const r = await unpackPass(u, todo, pass > 1);
    added += r.outcomes.length;
    for (const o of r.outcomes) {
      bytesWritten += o.bytes;
      if (state.fsync && !state.barrier) for (const d of state.dirsToSync(o.path)) dirs.add(d);
    }
    todo = r.leftToUs;
  }
  // Each name made durable once per precache, whoever created the directory: the database rows
  // written after this returns must never point at an asset a power loss could take back.
  // With the barrier, one syncfs started after the last rename (ours or that of a precache we
  // waited for) covers them all. Without it, each directory: in parallel, 1,500 assets' 3,228
  // directories took 0.48-0.68 s against 0.96-1.23 s one after another (3 interleaved runs).
  if (state.barrier) await state.barrier.wait();
  else await mapLimit([...dirs], SYNC_CONCURRENCY, syncDir);
  return {
    assets,
    assetsAdded: added,
    assetsSkipped: assets - added,
    bytesWritten,
    contentBytes,
    contentSkipped: false,
  };
}

/**
 * The sink for one index entry of the content, or undefined when this pass does not write it:
 * not wanted, already stored, being written by another precache (waited for, unless `force`),
 * or claimed by another thread of this precacheMany. A written content is claimed until it is
 * stored or given up, so a repeated index entry finds the claim and is skipped.
 */
function sinkFor(
  u: StoneUnpack,
  entry: { digest: string; start: number; end: number },
  todo: ReadonlySet<string>,
  force: boolean,
  work: PassWork,
): AssetSink | undefined {
  const { state } = u;
  const d = entry.digest;
  if (!todo.has(d) || state.present.has(d)) return undefined;
  const mode = u.modes.get(d) ?? ASSET_MODE;
  const shared = state.shared;
  if (shared !== undefined && !force) {
    // On a precacheMany thread the shared table alone decides who writes a content, this
    // thread's other stones included: whoever loses skips it and reports it, and it is checked
    // once all threads are done. No claim promise per asset here (a forced pass does not ask
    // the table: the claim may be this thread's own, from the stone that failed).
    if (!shared.table.claim(d)) {
      shared.lost.set(d, entry.end - entry.start);
      return undefined;
    }
    return new AssetSink(state, d, mode, (f) => collect(work, f), noop);
  }
  const claimed = state.claims.get(d);
  if (claimed !== undefined && !force) {
    work.waits.push({ digest: d, stored: claimed });
    return undefined;
  }
  let settle!: (stored: boolean) => void;
  const claim = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  state.claims.set(d, claim);
  const release = (stored: boolean) => {
    if (state.claims.get(d) === claim) state.claims.delete(d);
    settle(stored);
  };
  return new AssetSink(
    state,
    d,
    mode,
    (f) => {
      collect(work, f);
      if (!(f instanceof Promise)) release(true);
      else
        f.then(
          () => release(true),
          () => release(false),
        );
    },
    () => release(false),
  );
}

const noop = () => {};

/** An asset stored at once (no sync to wait for), or the job to wait for. */
function collect(work: PassWork, f: AssetFinish): void {
  if (f instanceof Promise) work.jobs.push(f);
  else work.done.push(f);
}

/** One streaming pass over the content, writing the digests in `todo`. */
async function unpackPass(
  u: StoneUnpack,
  todo: ReadonlySet<string>,
  force: boolean,
): Promise<{ outcomes: AssetOutcome[]; leftToUs: Set<string> }> {
  const { opts, path: stonePath } = u;
  const work: PassWork = { jobs: [], done: [], waits: [] };
  let assetsDone = 0;
  let bytesDone = 0;
  let reported = 0;
  const progress = () => {
    opts.onProgress?.({
      type: 'progress',
      stone: stonePath,
      bytesDone,
      bytes: u.contentBytes,
      assetsDone,
      assets: u.assets,
    });
    reported = bytesDone;
  };
  let failure: unknown;
  try {
    await u.stone.unpackContent(
      {
        file(entry) {
          assetsDone++;
          return sinkFor(u, entry, todo, force, work);
        },
      },
      {
        onChunk(chunk) {
          bytesDone += chunk.length;
          if (opts.signal?.aborted) throw aborted(stonePath, opts.signal);
          if (bytesDone - reported >= PROGRESS_STEP) progress();
        },
      },
    );
  } catch (err) {
    failure = err;
  }
  // Even on failure, wait for the assets already verified: they are good content, and nothing
  // may still be writing once this precache has returned or thrown.
  const settled = await Promise.allSettled(work.jobs);
  if (failure !== undefined) throw failure;
  const outcomes: AssetOutcome[] = work.done;
  for (const o of settled) {
    if (o.status === 'rejected') throw o.reason;
    outcomes.push(o.value);
  }
  const leftToUs = new Set<string>();
  for (const w of work.waits) if (!(await w.stored)) leftToUs.add(w.digest);
  progress();
  return { outcomes, leftToUs };
}

function aborted(stone: string, signal: AbortSignal): StoreError {
  return new StoreError('STORE_ABORTED', `${stone}: precache cancelled`, { stone }, signal.reason);
}

function throwIfAborted(signal: AbortSignal | undefined, stone: string): void {
  if (signal?.aborted) throw aborted(stone, signal);
}

/** StoneError → STORE_BAD_STONE naming the stone and entry; filesystem errors → STORE_IO. */
export function asStoreError(err: unknown, stone: string): StoreError {
  if (err instanceof StoreError) return err;
  if (err instanceof StoneError) {
    return new StoreError(
      'STORE_BAD_STONE',
      err.message,
      { ...err.details, stone, stoneCode: err.code },
      err,
    );
  }
  const e = err as NodeJS.ErrnoException;
  return new StoreError(
    'STORE_IO',
    `${stone}: ${e.message ?? String(err)}`,
    {
      stone,
      ...(e.path === undefined ? {} : { path: e.path }),
      ...(e.code === undefined ? {} : { errno: e.code }),
    },
    err,
  );
}
