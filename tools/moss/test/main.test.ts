import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferIo } from '@serpent/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

const root = mkdtempSync(join(tmpdir(), 'moss-main-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('moss main', () => {
  it('lists every verb with its aliases and examples', async () => {
    const io = bufferIo();
    expect(await main(['--help'], io)).toBe(0);
    for (const verb of [
      'install (it)',
      'remove (rm)',
      'sync (up)',
      'repo',
      'index (ix)',
      'state',
      'boot',
      'inspect',
      'extract',
    ]) {
      expect(io.out()).toContain(verb);
    }
    expect(io.out()).toContain('moss state activate 3');
  });

  it('prints its version for -V, --version and version, and every package with version --json', async () => {
    for (const argv of [['-V'], ['--version'], ['version']]) {
      const io = bufferIo();
      expect(await main(argv, io)).toBe(0);
      expect(io.out()).toMatch(/^moss \d+\.\d+\.\d+\n$/);
    }
    const io = bufferIo();
    expect(await main(['version', '--json'], io)).toBe(0);
    const v = JSON.parse(io.out());
    expect(v).toMatchObject({ name: 'moss', node: process.version, build: 'modules' });
    expect(Object.keys(v.packages)).toEqual(
      expect.arrayContaining(['@serpent/moss', '@serpent/system', '@serpent/stone']),
    );
  });

  it('expands two-letter shortcuts in the verb position only', async () => {
    const io = bufferIo();
    expect(await main(['-D', root, 'li', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual([]);
  });

  it('says what is wrong and exits 2 on a usage mistake', async () => {
    const io = bufferIo();
    expect(await main(['instal'], io)).toBe(2);
    expect(io.err()).toContain('no command "instal"');
    const io2 = bufferIo();
    expect(await main(['state', 'activate', 'x', '-D', root], io2)).toBe(2);
    expect(io2.err()).toContain('a state id (a number) is needed');
  });

  it('refuses a root that does not exist, with a hint', async () => {
    const io = bufferIo();
    expect(await main(['-D', join(root, 'missing'), 'state', 'list'], io)).toBe(1);
    expect(io.err()).toContain('does not exist');
    expect(io.err()).toContain('hint:');
  });

  it('rejects a prune that would keep no state', async () => {
    const io = bufferIo();
    expect(await main(['-D', root, 'state', 'prune', '--keep', '0'], io)).toBe(2);
    expect(io.err()).toContain('--keep must be at least 1');
  });
});
