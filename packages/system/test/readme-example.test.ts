import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { packageDir, tempDir } from './helpers.js';
import { stone } from './stones.js';

// The installer of the README, taken from the README itself (a README that drifts fails here),
// run as a user runs it: a Node process with real stones, a real root and an ESP directory.
const work = tempDir('serpent-readme-');
afterAll(() => work.remove());

function readmeExample(): string {
  const text = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(text)?.[1];
  if (block === undefined) throw new Error('README.md has no js example');
  // The package's own sources stand in for the published `@serpent/system`.
  return block.replace(
    "from '@serpent/system'",
    `from '${pathToFileURL(join(packageDir, 'src/index.ts')).href}'`,
  );
}

describe('the README installer', () => {
  it('makes a bootable root from stones: a live /usr and a boot entry in the ESP', async () => {
    const stones = join(work.dir, 'stones');
    mkdirSync(stones);
    const base = await stone(stones, 'os-base', {
      'lib/os-release': 'NAME="Serpent OS"\nID="serpentos"\nPRETTY_NAME="Serpent OS (test)"\n',
      'bin/hello': 'hello\n',
    });
    const kernel = await stone(stones, 'linux', { 'lib/kernel/6.12.1/vmlinuz': 'kernel image\n' });
    const script = join(work.dir, 'installer.mjs');
    writeFileSync(script, readmeExample());
    const target = join(work.dir, 'target');
    const esp = join(work.dir, 'esp');
    mkdirSync(esp);
    const r = spawnSync(
      process.execPath,
      ['--import', join(packageDir, 'test/fixtures/ts-source.mjs'), script, target, esp, base, kernel],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('installing linux 1.0, os-base 1.0');
    expect(r.stdout).toContain(`state 1 is live, 1 boot entries in ${esp}`);
    expect(readFileSync(join(target, 'usr/bin/hello'), 'utf8')).toBe('hello\n');
    const entries = readdirSync(join(esp, 'loader/entries'));
    expect(entries).toHaveLength(1);
    expect(readFileSync(join(esp, 'loader/entries', entries[0]!), 'utf8')).toContain('moss.fstx=1');
    expect(existsSync(join(target, 'etc/moss/boot.yaml'))).toBe(true);
    rmSync(target, { recursive: true, force: true });
  });
});
