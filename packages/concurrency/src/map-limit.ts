/**
 * Maps `items` through `fn` with at most `limit` calls in flight and returns the results in
 * input order. After the first failure no new call starts; the calls already running are waited
 * for (so nothing is still working, or writing, behind the caller's back when this rejects),
 * then the first error is thrown.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const n = Math.max(1, Math.min(Math.floor(limit), items.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failure !== undefined) throw failure.error;
  return out;
}
