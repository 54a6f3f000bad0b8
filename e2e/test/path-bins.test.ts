// `moss` and `boulder` on PATH, as `npm run setup` puts them there (scripts/link-bins.mjs; issue
// 16): run by name from another directory with the machine's Node first on PATH, they use the
// pinned Node, take relative paths as the caller's, and print only their own output.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './support/paths.js';
import { makeStone } from './support/stones.js';

const work = mkdtempSync(join(tmpdir(), 'serpent-path-'));
const binDir = join(work, 'bin');
const cwd = join(work, 'somewhere');
// The machine's own Node directories first, as in a user's shell: the commands must not use them.
const PATH = `${binDir}:/usr/local/bin:/usr/bin:/bin`;
const pinned = process.version;

function linkBins(args: readonly string[] = []) {
  // Run by whatever `node` the caller has; the commands still get the pinned Node.
  return spawnSync('node', [join(REPO, 'scripts', 'link-bins.mjs'), ...args], {
    encoding: 'utf8',
    env: { PATH, SERPENT_BIN_DIR: binDir, HOME: work },
  });
}
function tool(name: string, args: readonly string[]) {
  return spawnSync(name, args, { cwd, encoding: 'utf8', env: { PATH, HOME: work, NO_COLOR: '1' } });
}

beforeAll(async () => {
  mkdirSync(cwd);
  await makeStone(cwd, { name: 'tiny', files: { 'share/tiny/README': 'tiny\n' } });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('moss and boulder on PATH', () => {
  it('are written by the set-up step, which says where', () => {
    const r = linkBins();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(binDir);
    for (const t of ['moss', 'boulder']) {
      const text = readFileSync(join(binDir, t), 'utf8');
      expect(text.startsWith('#!/bin/sh\n')).toBe(true);
      expect(text).toContain(join(REPO, 'tools', t, 'bin', `${t}.js`));
    }
  });

  it('run with the pinned Node, not the first node on PATH', () => {
    const r = tool('moss', ['version', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).node).toBe(pinned);
    expect(tool('moss', ['-V']).stdout).toMatch(/^moss \d+\.\d+\.\d+\n$/);
    expect(tool('boulder', ['--version']).stdout).toMatch(/^boulder \d+\.\d+\.\d+\n$/);
  });

  it("resolve relative paths from the caller's directory, and print only their own output", () => {
    const stone = readFileSync(join(cwd, 'tiny-1.0-1-1-x86_64.stone'));
    expect(stone.length).toBeGreaterThan(0);
    const inspect = tool('moss', ['inspect', '--json', './tiny-1.0-1-1-x86_64.stone']);
    expect(inspect.status, inspect.stderr).toBe(0);
    expect(inspect.stderr).toBe('');
    expect(JSON.parse(inspect.stdout)).toBeTypeOf('object');

    mkdirSync(join(cwd, 'root'));
    // Both relative: the root and the stone. (A listing no longer creates anything to look at:
    // reading commands leave a root as they find it.)
    const install = tool('moss', ['-D', 'root', 'install', './tiny-1.0-1-1-x86_64.stone', '-y']);
    expect(install.status, install.stderr).toBe(0);
    expect(existsSync(join(cwd, 'root', 'usr', '.stateID'))).toBe(true);
    const list = tool('moss', ['-D', 'root', 'list', 'installed', '--json']);
    expect(list.status, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((p) => p.name)).toEqual(['tiny']);
  });

  it('fail with their own error and exit status, nothing from a package manager', () => {
    const r = tool('moss', ['inspect', './missing.stone']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: .*missing\.stone/);
    expect(r.stderr).not.toMatch(/ELIFECYCLE|npm |pnpm/);
  });

  it('are never written over a command the set-up did not write, and are removed on request', () => {
    writeFileSync(join(binDir, 'boulder'), '#!/bin/sh\necho someone else\n');
    const again = linkBins();
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('was not written by this script');
    expect(readFileSync(join(binDir, 'boulder'), 'utf8')).toContain('someone else');
    const removed = linkBins(['--remove']);
    expect(removed.status).toBe(0);
    expect(existsSync(join(binDir, 'moss'))).toBe(false);
    expect(existsSync(join(binDir, 'boulder'))).toBe(true);
  });
});
