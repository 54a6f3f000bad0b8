/** What `monitoring.yaml` says: where new releases are announced and the CPE names for CVEs. */
export interface Monitoring {
  /** release-monitoring.org project id, if exactly one project has the name. */
  readonly id?: number;
  /** Several projects of that name: the draft lists them for the packager to pick. */
  readonly candidates?: ReadonlyArray<{ id: number; name: string; homepage?: string }>;
  readonly rss?: string;
  readonly cpe?: ReadonlyArray<{ vendor: string; product: string }>;
  /** Lookups that failed (offline, timeout): said in the file's comments. */
  readonly problems: readonly string[];
}

export interface LookupOptions {
  /** Default https://release-monitoring.org */
  readonly releaseMonitoring?: string;
  /** Default https://cpe-guesser.cve-search.org */
  readonly cpeGuesser?: string;
  readonly timeoutMs?: number;
}

/**
 * The original's two lookups: release-monitoring.org's project id by name (exactly one hit;
 * 2–9 are listed), and cve-search's CPE guesser for vendor/product pairs. Each has a timeout
 * and a failure only leaves its field unknown, said in a comment: a draft never fails offline.
 */
export async function lookupMonitoring(name: string, opts: LookupOptions = {}): Promise<Monitoring> {
  const problems: string[] = [];
  const timeout = opts.timeoutMs ?? 5000;
  const rm = opts.releaseMonitoring ?? 'https://release-monitoring.org';
  const cg = opts.cpeGuesser ?? 'https://cpe-guesser.cve-search.org';
  let id: number | undefined;
  let candidates: Monitoring['candidates'];
  try {
    const res = await fetch(`${rm}/api/v2/projects/?name=${encodeURIComponent(name)}`, {
      signal: AbortSignal.timeout(timeout),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const items =
      ((await res.json()) as { items?: Array<{ id: number; name: string; homepage?: string }> }).items ?? [];
    if (items.length === 1) id = items[0]!.id;
    else if (items.length > 1 && items.length < 10)
      candidates = items.map(({ id, name, homepage }) => ({ id, name, ...(homepage ? { homepage } : {}) }));
  } catch (e) {
    problems.push(`release-monitoring.org lookup failed: ${(e as Error).message}`);
  }
  let cpe: Monitoring['cpe'];
  try {
    const res = await fetch(`${cg}/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: [name] }),
      signal: AbortSignal.timeout(timeout),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const found = JSON.stringify(await res.json()).matchAll(/cpe:2\.3:[aho]:([^:"]+):([^:"]+)/g);
    const pairs = new Map<string, { vendor: string; product: string }>();
    for (const m of found) pairs.set(`${m[1]}:${m[2]}`, { vendor: m[1]!, product: m[2]! });
    cpe = [...pairs.values()];
  } catch (e) {
    problems.push(`CPE guesser lookup failed: ${(e as Error).message}`);
  }
  return {
    ...(id === undefined ? {} : { id }),
    ...(candidates ? { candidates } : {}),
    ...(cpe ? { cpe } : {}),
    problems,
  };
}
