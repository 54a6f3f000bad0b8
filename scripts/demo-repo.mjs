// The embedded demo repository's packages (demo/: packages.json and one usr/ tree per package),
// written as .stone files with @serpent/stone. Used by scripts/demo.mjs and by the e2e test of
// the single executable.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writePackage } from '../packages/stone/dist/index.js';

/** Every file under `dir`, sorted, with its permission bits. */
export function walk(dir) {
  const files = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) for (const f of walk(p)) files.push(f);
    else files.push({ path: p, mode: st.mode & 0o7777 });
  }
  return files;
}

const dep = (text) => {
  const open = text.indexOf('(');
  return open < 0
    ? { kind: 'name', name: text }
    : { kind: text.slice(0, open), name: text.slice(open + 1, -1) };
};

/** Writes the packages of `demoDir` as stones into `repoDir`; returns their paths. */
export async function buildDemoStones(demoDir, repoDir, log = () => {}) {
  const { packages } = JSON.parse(readFileSync(join(demoDir, 'packages.json'), 'utf8'));
  const stones = [];
  for (const p of packages) {
    const usr = join(demoDir, p.name, 'usr');
    const entries = walk(usr).map((f) => ({
      type: 'regular',
      target: relative(usr, f.path),
      mode: f.mode,
      content: { path: f.path },
    }));
    const file = join(repoDir, `${p.name}-${p.version}-${p.release}-1-x86_64.stone`);
    const w = await writePackage(file, {
      meta: {
        name: p.name,
        version: p.version,
        release: p.release,
        buildRelease: 1,
        architecture: 'x86_64',
        summary: p.summary,
        description: p.description,
        homepage: 'https://example.invalid/serpent-demo',
        sourceId: p.name,
        licenses: ['MPL-2.0'],
        depends: p.depends.map(dep),
        provides: p.provides.map(dep),
        conflicts: [],
      },
      entries,
      level: 19,
    });
    stones.push(file);
    log(`wrote ${file} (${w.size} bytes, ${entries.length} files)`);
  }
  return stones;
}
