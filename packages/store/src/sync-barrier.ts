const noop = (): void => {};

/**
 * Group commit of durability. `wait()` resolves once a flush that *started after the call* has
 * completed; callers arriving while a flush runs share the next one, so flushes run back to
 * back while writers keep writing, and each covers everything written since the previous.
 *
 * The store uses it with syncfs(2) in place of one fdatasync per asset and one fsync per
 * directory: an asset's temporary file is renamed only after a flush that started once it was
 * closed (its bytes are on disk before its name), and a precache returns only after a flush
 * that started after its last rename (its names are on disk before anyone records them).
 * Measured, 200 generated stones, 32,534 assets, 2 threads: 27.3 s with an fdatasync per asset
 * and an fsync per directory; 7.9 s without any sync, plus 2.1 s for one syncfs at the end.
 */
export class SyncBarrier {
  private current: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  /** Flushes started, for tests and figures. */
  flushes = 0;

  constructor(private readonly flush: () => Promise<void>) {}

  wait(): Promise<void> {
    if (this.next) return this.next;
    const running = this.current;
    if (!running) return this.start();
    // The flush running may have started before the caller's writes: wait for the one after.
    this.next = running.then(noop, noop).then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<void> {
    this.flushes++;
    const p = this.flush();
    this.current = p;
    p.then(noop, noop).then(() => {
      if (this.current === p) this.current = undefined;
    });
    return p;
  }
}
