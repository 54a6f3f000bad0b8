/**
 * A set of content digests shared by the threads of one precacheMany, so that content two
 * stones share is written by one thread only. Open addressing over a SharedArrayBuffer of
 * 64-bit keys (the digest's low 64 bits, never 0) claimed with compare-and-swap.
 *
 * It is an optimisation, never relied on for correctness: a thread that loses a claim skips
 * that content and reports it, and precacheMany checks every skipped digest is present once all
 * threads are done (a 64-bit key collision, or a claimer whose stone failed, would show there).
 * A table past half full stops tracking and lets every thread write: two threads writing the
 * same verified content both rename a complete file onto the same name, which is harmless.
 */
export class ClaimTable {
  private readonly slots: BigInt64Array;
  private readonly mask: number;
  private readonly used: Int32Array;

  /** A table for about `capacity` digests (rounded up to a power of two, times two). */
  static create(capacity: number): ClaimTable {
    let size = 1024;
    while (size < capacity * 2) size *= 2;
    return new ClaimTable(new SharedArrayBuffer(size * 8 + 8));
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    const size = (buffer.byteLength - 8) / 8;
    this.slots = new BigInt64Array(buffer, 8, size);
    this.used = new Int32Array(buffer, 0, 1);
    this.mask = size - 1;
  }

  /** True when this caller now owns `digest` (or the table is too full to tell). */
  claim(digest: string): boolean {
    const key = BigInt.asIntN(64, BigInt(`0x${digest.slice(-16)}`)) || 1n;
    if (Atomics.load(this.used, 0) * 2 > this.mask) return true;
    // The low bits of a hash are uniformly spread; a linear probe from them finds the slot.
    let i = Number(key & BigInt(this.mask));
    for (;;) {
      const seen = Atomics.compareExchange(this.slots, i, 0n, key);
      if (seen === 0n) {
        Atomics.add(this.used, 0, 1);
        return true;
      }
      if (seen === key) return false;
      i = (i + 1) & this.mask;
    }
  }
}
