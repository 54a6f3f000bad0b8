// Writing stones needs zstd in node:zlib (Node 22.15+). On an older Node (the machine's Node 20
// on this machine kind) writePackage must refuse with a StoneError saying so, before writing
// anything; reading still works through fzstd. Run for real under that Node: the package's
// sources are bundled for it with esbuild (the repository's devDependency).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** A Node on PATH (or /usr/bin/node) without zstd in node:zlib, if the machine has one. */
function oldNode(): string | undefined {
  const which = spawnSync('sh', ['-c', 'which -a node; echo /usr/bin/node'], { encoding: 'utf8' });
  for (const exe of new Set(which.stdout.split('\n').filter(Boolean))) {
    const r = spawnSync(exe, ['-p', 'typeof require("node:zlib").zstdCompressSync'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() === 'undefined') return exe;
  }
  return undefined;
}

const node = oldNode();
const dir = mkdtempSync(join(tmpdir(), 'stone-old-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(node === undefined)(`on a Node without zstd in node:zlib (${node ?? 'none found'})`, () => {
  it('writePackage throws STONE_UNSUPPORTED_RUNTIME with a hint and writes nothing', async () => {
    const { build } = createRequire(join(repo, 'package.json'))('esbuild') as typeof import('esbuild');
    const bundle = join(dir, 'stone.mjs');
    await build({
      entryPoints: [join(repo, 'packages', 'stone', 'src', 'index.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@serpent/source'],
      external: ['koffi'],
      outfile: bundle,
      logLevel: 'error',
    });
    const out = join(dir, 'out');
    const script = join(dir, 'write.mjs');
    writeFileSync(
      script,
      `import { writePackage, zstdBackend } from ${JSON.stringify(bundle)};
       const meta = { name: 'x', version: '1', release: 1, buildRelease: 1, architecture: 'x86_64',
         summary: 's', description: 'd', homepage: 'h', sourceId: 'x', licenses: [], depends: [], provides: [], conflicts: [] };
       try {
         await writePackage(${JSON.stringify(join(out, 'x.stone'))}, { meta, entries: [] });
         console.log(JSON.stringify({ wrote: true }));
       } catch (e) {
         console.log(JSON.stringify({ name: e.constructor.name, code: e.code, message: e.message, hint: e.hint, zstdBackend }));
       }`,
    );
    mkdirSync(out);
    const r = spawnSync(node!, [script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({
      name: 'StoneError',
      code: 'STONE_UNSUPPORTED_RUNTIME',
      zstdBackend: 'fzstd',
    });
    expect(result.message).toContain('x.stone');
    expect(result.message).toContain('zstd');
    expect(result.hint).toContain('22.15');
    expect(readdirSync(out)).toEqual([]);
    expect(existsSync(join(out, 'x.stone'))).toBe(false);
  });
});
