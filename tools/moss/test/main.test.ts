import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferIo } from '@serpent/cli';
import { writePackage } from '@serpent/stone';
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
    expect(io2.err()).toContain('moss state activate: a state id must be a whole number, not "x"');
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

// One rule each for what the commands used to disagree on (tools/moss/README.md, "Rules").
describe('moss rules', () => {
  const run = async (...args: string[]) => {
    const io = bufferIo();
    const status = await main(args, io);
    return { status, out: io.out(), err: io.err() };
  };

  it('finding nothing is not a failure: an empty list or search exits 0 and says so', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const li = await run('-D', empty, 'list', 'installed');
    expect([li.status, li.out, li.err]).toEqual([0, '', 'No packages are installed\n']);
    const sr = await run('-D', empty, 'search', 'nothing-like-it', '--installed');
    expect([sr.status, sr.out, sr.err]).toEqual([0, '', 'No package matches "nothing-like-it"\n']);
    expect(JSON.parse((await run('-D', empty, 'list', 'available', '--json')).out)).toEqual([]);
    // Naming a thing that does not exist is one.
    const info = await run('-D', empty, 'info', 'nothing-like-it');
    expect(info.status).toBe(1);
    expect(info.err).toContain('no installed or available package provides nothing-like-it');
  });

  it('a repo add whose first fetch fails leaves nothing configured, and says so once', async () => {
    const r = join(root, 'repo-add');
    mkdirSync(r);
    const add = await run('-D', r, 'repo', 'add', 'gone', `file://${join(root, 'no-such', 'stone.index')}`);
    expect(add.status).toBe(1);
    expect(add.err).toContain('repository gone was not added');
    expect(add.err).toContain('nothing is configured');
    const lines = add.err.split('\n').filter((l) => l !== '');
    expect(new Set(lines).size).toBe(lines.length);
    const list = await run('-D', r, 'repo', 'list', '--json');
    expect(JSON.parse(list.out)).toEqual([]);
    expect(existsSync(join(r, 'etc/moss/repo.d/gone.yaml'))).toBe(false);
  });

  it('state list prints ISO 8601 times in UTC; verify names packages and paths and a hint with -D ROOT', async () => {
    const r = join(root, 'states');
    mkdirSync(r);
    const file = join(root, 't-1.0-1-1-x86_64.stone');
    await writePackage(file, {
      meta: {
        name: 't',
        version: '1.0',
        release: 1,
        buildRelease: 1,
        architecture: 'x86_64',
        summary: 't',
        description: 't',
        homepage: 'https://example.org',
        sourceId: 't',
        licenses: ['MPL-2.0'],
        depends: [],
        provides: [],
        conflicts: [],
      },
      entries: [
        { type: 'regular', target: 'share/t/file', mode: 0o644, content: new TextEncoder().encode('t\n') },
      ],
      level: 1,
    });
    expect((await run('-D', r, 'install', file, '-y')).status).toBe(0);
    expect((await run('-D', r, 'state', 'list')).out).toMatch(/^Created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    rmSync(join(r, 'usr/share/t/file'));
    const v = await run('-D', r, 'state', 'verify');
    expect(v.status).toBe(1);
    expect(v.out).toContain('missing-path: /usr/share/t/file (t 1.0-1, state 1)');
    expect(v.out).toContain(`moss -D ${r} state verify --repair`);
  });
});
