import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOSS_BUILT, moss } from './support/paths.js';
import { buildStaticProbe } from './support/static-probe.js';
import { makeStone } from './support/stones.js';

// issue 14, B, through the real binary: a root whose only program is one static binary runs
// its transaction trigger, and trigger output is shown line by line with its prefix.
const work = mkdtempSync(join(tmpdir(), 'moss-noshell-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const built = buildStaticProbe(work);
const unshare = (() => {
  const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--fork', 'true']);
  return r.status === 0 ? undefined : 'cannot create namespaces for triggers here';
})();
const skip = !MOSS_BUILT ? 'tools/moss is not built' : 'skip' in built ? built.skip : unshare;
if (skip) console.warn(`skipping the shell-less trigger e2e: ${skip}`);

let stone = '';
beforeAll(async () => {
  if (skip) return;
  const trigger = join(work, 'probe.yaml');
  writeFileSync(
    trigger,
    `name: probe
description: a static handler, in a root with no shell
handlers:
  run: {run: /usr/bin/probe, args: ['0', '$(version)']}
paths:
  /usr/lib/modules/(version:*): {handlers: [run], type: directory}
`,
  );
  mkdirSync(join(work, 'stones'));
  stone = await makeStone(join(work, 'stones'), {
    name: 'static-base',
    files: {
      'bin/probe': { path: (built as { path: string }).path, mode: 0o755 },
      'lib/modules/6.12.1/modules.dep': '',
      'share/moss/triggers/tx.d/probe.yaml': { path: trigger, mode: 0o644 },
    },
  });
});

describe.skipIf(skip !== undefined)('moss triggers in a root without a shell', () => {
  it('runs the static handler (no /bin/sh, no env in the root) and prefixes whole lines', () => {
    const root = join(work, 'root');
    mkdirSync(root);
    const r = moss(['-D', root, '-v', 'install', stone, '-y']);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(root, 'usr/bin/sh'))).toBe(false);
    expect(existsSync(join(root, 'usr/bin/env'))).toBe(false);
    expect(r.stderr).toContain('Trigger probe (transaction): /usr/bin/probe 0 6.12.1');
    const out = r.stderr.split('\n').filter((l) => l.startsWith('  [probe] '));
    expect(out).toContain('  [probe] arg=6.12.1');
    expect(out).toContain('  [probe] cwd=/');
    // Written in two pieces 100 ms apart, shown as one line each with one prefix.
    expect(out).toContain('  [probe] partial stdout line');
    expect(out).toContain('  [probe] partial stderr line');
    expect(r.stderr).not.toMatch(/partial \n|\] stdout line|\] stderr line/);
  });
});
