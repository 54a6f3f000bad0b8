import { describe, expect, it } from 'vitest';
import { Limiter, mapLimit } from '../src/index.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      peak = Math.max(peak, ++running);
      for (let i = 0; i < n; i++) await tick();
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('starts nothing after the first failure and rejects only once the running calls settled', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapLimit([0, 1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      await tick();
      settled++;
      if (n === 0) throw new Error('first');
      await tick();
      return n;
    });
    await expect(run).rejects.toThrow('first');
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(2);
  });
});

describe('Limiter', () => {
  it('hands out `size` slots, the rest in FIFO order', async () => {
    const limiter = new Limiter(1);
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((x) =>
        limiter.run(async () => {
          order.push(`start ${x}`);
          await tick();
          order.push(`end ${x}`);
        }),
      ),
    );
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(() => new Limiter(0)).toThrow(RangeError);
  });
});
