import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeContainer, runInContainer } from '@serpent/container';
import { afterAll, describe, expect, it } from 'vitest';
import { type FetchedUpstream, type PlainUpstream, prepareScript, workDirOf } from '../src/index.ts';

const probe = probeContainer();
if (!probe.ok) console.warn(`skipping extraction tests: ${probe.reason}`);

describe.skipIf(!probe.ok)('the prepare phase, run in the container', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prepare-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'src');
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'pkg-1.0', 'sub'), { recursive: true });
  writeFileSync(join(tree, 'pkg-1.0', 'a.txt'), 'A');
  writeFileSync(join(tree, 'pkg-1.0', 'sub', 'b.txt'), 'B');
  mkdirSync(src);
  const tar = (name: string, flag: string) =>
    execFileSync('tar', ['-c', flag, '-f', join(src, name), '-C', tree, 'pkg-1.0']);
  tar('p.tar.gz', '-z');
  tar('p.tar.xz', '-J');
  tar('p.tar.zst', '--zstd');
  tar('p.tar.bz2', '-j');
  execFileSync('zip', ['-qr', join(src, 'p.zip'), 'pkg-1.0'], { cwd: tree });
  writeFileSync(join(src, 'extra.patch'), 'patch');

  it('unpacks every archive kind with strip, unpackdir and unpack: false', async () => {
    const ups: PlainUpstream[] = [
      { kind: 'plain', uri: 'file:///x/p.tar.gz', hash: '', unpackDir: 'gz' },
      { kind: 'plain', uri: 'file:///x/p.tar.xz', hash: '', unpackDir: 'xz' },
      { kind: 'plain', uri: 'file:///x/p.tar.zst', hash: '', unpackDir: 'zst' },
      { kind: 'plain', uri: 'file:///x/p.tar.bz2', hash: '', unpackDir: 'bz2', stripDirs: 0 },
      { kind: 'plain', uri: 'file:///x/p.zip', hash: '', unpackDir: 'zip' },
      { kind: 'plain', uri: 'file:///x/p.zip', hash: '', unpackDir: 'zip0', stripDirs: 0 },
      { kind: 'plain', uri: 'file:///x/extra.patch', hash: '', unpack: false },
    ];
    const fetched: FetchedUpstream[] = ups.map((upstream) => ({ upstream, path: '' }));
    const build = join(dir, 'build');
    mkdirSync(build);
    writeFileSync(join(dir, 'prepare.sh'), prepareScript(fetched, '/mason/sourcedir'));
    let err = '';
    const r = await runInContainer(
      {
        root: 'host',
        binds: [
          { host: src, guest: '/mason/sourcedir' },
          { host: build, guest: '/mason/build', writable: true },
          { host: join(dir, 'prepare.sh'), guest: '/mason/prepare.sh' },
        ],
      },
      {
        argv: ['/bin/sh', '/mason/prepare.sh'],
        env: { PATH: '/usr/bin' },
        cwd: '/mason/build',
        onStderr: (c) => (err += c),
      },
    );
    expect(err).toBe('');
    expect(r.status).toBe(0);
    for (const d of ['gz', 'xz', 'zst', 'zip']) {
      expect(readFileSync(join(build, d, 'a.txt'), 'utf8')).toBe('A');
      expect(readFileSync(join(build, d, 'sub', 'b.txt'), 'utf8')).toBe('B');
    }
    expect(readFileSync(join(build, 'bz2', 'pkg-1.0', 'a.txt'), 'utf8')).toBe('A');
    expect(readFileSync(join(build, 'zip0', 'pkg-1.0', 'a.txt'), 'utf8')).toBe('A');
    expect(existsSync(join(build, 'extra.patch'))).toBe(false);
    expect(workDirOf(fetched)).toBe('gz');
  });

  it('fails with a message naming the archive when it is not one', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(join(bad, 'src'), { recursive: true });
    mkdirSync(join(bad, 'build'));
    writeFileSync(join(bad, 'src', 'broken.tar.xz'), 'not xz at all');
    writeFileSync(
      join(bad, 'prepare.sh'),
      prepareScript(
        [{ upstream: { kind: 'plain', uri: 'https://x/broken.tar.xz', hash: '' }, path: '' }],
        '/s',
      ),
    );
    let err = '';
    const r = await runInContainer(
      {
        root: 'host',
        binds: [
          { host: join(bad, 'src'), guest: '/s' },
          { host: join(bad, 'build'), guest: '/b', writable: true },
          { host: join(bad, 'prepare.sh'), guest: '/p.sh' },
        ],
      },
      { argv: ['/bin/sh', '/p.sh'], env: { PATH: '/usr/bin' }, cwd: '/b', onStderr: (c) => (err += c) },
    );
    expect(r.status).toBe(1);
    expect(err).toContain('failed to extract broken.tar.xz');
  });
});
