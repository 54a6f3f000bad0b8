import {
  closeSync,
  fchmodSync,
  fdatasync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { promisify } from 'node:util';
import type { ContentFileSink } from '@serpent/stone';
import type { StoreState } from './store-state.js';

const fdatasyncAsync = promisify(fdatasync);

/**
 * Contents up to this size are kept in memory until verified, then written with one call;
 * larger ones stream to their temporary file as they decode. Bounds memory per open asset.
 */
const BUFFER_LIMIT = 4 * 1024 * 1024;

/** How an asset's storing ends: at once (no sync to wait for), or later. */
export type AssetFinish = AssetOutcome | Promise<AssetOutcome>;

/** A stored asset: its size and final path (whose directories need a sync before it is relied on). */
export interface AssetOutcome {
  readonly bytes: number;
  readonly path: string;
}

/**
 * Receives one verified content from the stone reader and stores it as an asset: bytes go to a
 * temporary file in `.moss/assets/tmp` (same filesystem as the store), which is chmodded,
 * fdatasynced, closed and only then renamed to the asset's name. A crash at any moment leaves
 * either no asset or a complete one, plus a temporary file for cleanTemp(). With the store's
 * SyncBarrier, the fdatasync is replaced by waiting for a syncfs that started after the close.
 *
 * Every call but the fdatasync is synchronous. Writing 2,000 7 KB files the store's way
 * (open, write, fchmod, close, mkdir -p, rename), interleaved, on this 2-core machine under
 * load: 1.5-1.8 ms a file with sync calls against 1.7-2.0 ms with 16 concurrent fs/promises
 * chains, which also take the 4 pool threads the zstd decoder needs. The fdatasync, which waits
 * for the disk, does run on the pool, up to the store's write slots at once, so decoding goes on
 * while the disk works.
 */
export class AssetSink implements ContentFileSink {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private fd: number | undefined;
  private temp: string | undefined;
  private size = 0;

  constructor(
    private readonly state: StoreState,
    private readonly digest: string,
    private readonly mode: number,
    /**
     * Receives the outcome once the content is verified: the asset itself when it was stored at
     * once, or the job that finishes it (after a sync).
     */
    private readonly onFinishing: (finish: AssetFinish) => void,
    /** Called when the asset will not be stored (content did not verify, reading or writing failed). */
    private readonly onAbort: () => void,
  ) {}

  write(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (this.fd === undefined && this.buffered + chunk.length <= BUFFER_LIMIT) {
      // Kept as a view, not copied: the stone reader never reuses a chunk it handed out
      // (zlib and file streams allocate each one), and views are written out at commit.
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      return;
    }
    const fd = this.fd ?? this.openTemp();
    this.flush(fd);
    writeAll(fd, chunk);
  }

  private openTemp(): number {
    this.temp = this.state.tempPath(this.digest);
    this.fd = openSync(this.temp, 'wx', this.mode);
    return this.fd;
  }

  private flush(fd: number): void {
    if (this.chunks.length === 0) return;
    writevAll(fd, this.chunks);
    this.chunks = [];
  }

  /** The content verified: write what is buffered, then sync and rename (see the class comment). */
  async commit(): Promise<void> {
    try {
      const fd = this.fd ?? this.openTemp();
      this.flush(fd);
      // open() applies the umask to the mode; the store's modes must not depend on it. A mode
      // the umask leaves alone (0644 and 0755 under the usual 022) needs no call.
      const umask = this.state.umask;
      if (umask === undefined || (this.mode & umask) !== 0) fchmodSync(fd, this.mode);
    } catch (err) {
      // Thrown to the reader, which stops: a full disk fails the stone at its first asset.
      this.onAbort();
      this.discard();
      throw err;
    }
    if (!this.state.fsync) {
      // Nothing to wait for: stored now, without a promise per asset.
      let outcome: AssetOutcome;
      try {
        outcome = this.finishNow();
      } catch (err) {
        this.onAbort();
        throw err;
      }
      this.onFinishing(outcome);
      return;
    }
    const barrier = this.state.barrier;
    if (barrier) {
      // Closed now (an open descriptor per pending asset would run into the fd limit); renamed
      // once a syncfs that started after this close has put its bytes on disk.
      try {
        this.closeFd();
      } catch (err) {
        this.onAbort();
        this.discard();
        throw err;
      }
      this.onFinishing(
        barrier.wait().then(
          () => this.finish(),
          (err: unknown) => {
            this.discard();
            throw err;
          },
        ),
      );
      return;
    }
    const release = await this.state.writeSlots.acquire();
    const fd = this.fd as number;
    this.onFinishing(
      fdatasyncAsync(fd)
        .then(() => this.finish())
        .catch((err: unknown) => {
          this.discard();
          throw err;
        })
        .finally(release),
    );
  }

  private async finish(): Promise<AssetOutcome> {
    return this.finishNow();
  }

  /** Closes, then renames the temporary file to the asset's name. Throws after discarding it. */
  private finishNow(): AssetOutcome {
    const state = this.state;
    try {
      this.closeFd();
      const path = state.canonicalAssetPath(this.digest);
      state.ensureAssetDir(path);
      try {
        renameSync(this.temp as string, path);
      } catch (err) {
        // A directory we knew of was removed behind our back (moss's own prune): create it again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        state.forgetDirs();
        state.ensureAssetDir(path);
        renameSync(this.temp as string, path);
      }
      this.temp = undefined;
      state.present.add(this.digest);
      return { bytes: this.size, path };
    } catch (err) {
      this.discard();
      throw err;
    }
  }

  private closeFd(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    closeSync(fd);
  }

  abort(): void {
    this.chunks = [];
    this.onAbort();
    this.discard();
  }

  private discard(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {}
    }
    const temp = this.temp;
    this.temp = undefined;
    if (temp !== undefined) {
      try {
        unlinkSync(temp);
      } catch {}
    }
  }
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
}

/** writev in batches of at most 1024 buffers (IOV_MAX), finishing partial writes. */
function writevAll(fd: number, chunks: readonly Uint8Array[]): void {
  for (let i = 0; i < chunks.length; i += 1024) {
    const batch = chunks.slice(i, i + 1024);
    const total = batch.reduce((n, c) => n + c.length, 0);
    let written = writevSync(fd, batch);
    if (written === total) continue;
    for (const c of batch) {
      if (written >= c.length) written -= c.length;
      else {
        writeAll(fd, c.subarray(written));
        written = 0;
      }
    }
  }
}
