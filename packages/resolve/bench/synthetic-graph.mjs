// A synthetic repository the size of the real one (February 2025): 1,609 packages and 9,557
// distinct providers (each package's own name plus about five more), dependencies drawn with a
// fixed seed. Most point at earlier packages (libraries below applications), one in twenty at a
// later one, so there are cycles too, as in the real graph.

/** Mulberry32: a small seeded generator, so every run builds the same graph. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @returns {import('../src/candidate.js').Candidate[]} */
export function syntheticGraph({ packages = 1609, providers = 9557, seed = 42 } = {}) {
  const rnd = random(seed);
  const extra = providers - packages;
  const provides = Array.from({ length: packages }, () => []);
  const kinds = ['soname', 'binary', 'pkgconfig', 'cmake', 'sysbinary'];
  for (let i = 0; i < extra; i++) {
    const owner = i % packages;
    const kind = kinds[i % kinds.length];
    provides[owner].push({ kind, name: kind === 'soname' ? `lib${i}.so.1(x86_64)` : `p${i}` });
  }
  return provides.map((own, i) => {
    const depends = [];
    const count = Math.floor(rnd() * 8);
    for (let k = 0; k < count && i > 0; k++) {
      const later = rnd() < 0.05;
      const target = later ? Math.floor(rnd() * packages) : Math.floor(rnd() * i);
      const targetProvides = provides[target];
      const pick = Math.floor(rnd() * (targetProvides.length + 1));
      depends.push(
        pick === targetProvides.length ? { kind: 'name', name: `pkg${target}` } : targetProvides[pick],
      );
    }
    return {
      id: `pkg${i}-1.0-1-1`,
      meta: {
        name: `pkg${i}`,
        version: '1.0',
        release: 1,
        buildRelease: 1,
        depends,
        provides: own,
        conflicts: [],
      },
      source: { kind: 'repository', name: 'volatile', priority: 0 },
    };
  });
}
