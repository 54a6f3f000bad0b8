import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StoneReader } from '@serpent/stone';
import { afterAll, describe, expect, it } from 'vitest';
import { plainEnv, REPO } from './support/paths.js';
import { HAVE_SCRIPT, PtySession } from './support/pty.js';

// A person at a terminal: breakpoints in a recipe drop into a shell inside the build
// container, and `boulder chroot` opens one in the recipe's build root. The tests type into
// those shells through a pseudo-terminal (script(1)) and read what they print.
const BOULDER = join(REPO, 'tools', 'boulder', 'bin', 'boulder.js');
const userns =
  spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--fork', 'true']).status === 0;
const skip = !existsSync(join(REPO, 'tools/boulder/dist/main.js'))
  ? 'tools/boulder is not built'
  : !userns
    ? 'user namespaces are not available'
    : !HAVE_SCRIPT
      ? 'util-linux script(1) cannot open a pseudo-terminal here'
      : !existsSync('/bin/bash')
        ? 'no /bin/bash on this host'
        : undefined;
if (skip) console.warn(`skipping boulder shell e2e: ${skip}`);

const work = mkdtempSync(join(tmpdir(), 'boulder-shell-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cache = join(work, 'cache');

/** A recipe whose upstream is a tarball holding README, with `build` as its build phase. */
function recipe(name: string, build: string): string {
  const tree = join(work, name, 'tree', `${name}-1.0`);
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'README'), `the ${name} sources\n`);
  const tarball = join(work, name, `${name}-1.0.tar.gz`);
  execFileSync('tar', ['-czf', tarball, '-C', join(work, name, 'tree'), `${name}-1.0`]);
  const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  const dir = join(work, name, 'recipe');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'stone.yaml'),
    [
      `name        : ${name}`,
      'version     : "1.0"',
      'release     : 1',
      `homepage    : https://example.org/${name}`,
      'upstreams   :',
      `    - ${pathToFileURL(tarball).href} : ${sha}`,
      'summary     : Built at a terminal',
      'description : A recipe with breakpoints.',
      'license     : MPL-2.0',
      'toolchain   : gnu',
      'build       : |',
      ...build.split('\n').map((l) => `    ${l}`),
      'install     : |',
      '    %install_file from-shell.txt %(installroot)%(datadir)/shell/from-shell.txt',
      '',
    ].join('\n'),
  );
  return dir;
}

const boulder = (...args: string[]) =>
  new PtySession([process.execPath, BOULDER, ...args, '--cache-dir', cache], plainEnv());

describe.skipIf(skip !== undefined)('breakpoints and boulder chroot, typed into at a terminal', () => {
  const continuing = recipe('bp-continue', 'echo built > built.txt\n%break_continue\ntest -s from-shell.txt');

  it('%break_continue: a shell in the build container, then the build goes on', async () => {
    const out = join(work, 'out-continue');
    mkdirSync(out);
    const s = boulder('build', '--host', '-q', '-o', out, continuing);
    const bp = await s.waitFor(/breakpoint %break_continue at (.+):(\d+) \(build, x86_64\)/);
    expect(bp[1]).toBe(join(continuing, 'stone.yaml'));
    expect(bp[2]).toBe('13');
    const from = s.output.length;
    // The work dir, the build's files, its environment and its macros as shell functions.
    s.type(
      'echo "AT=$(pwd)"; cat README built.txt; echo "MARK-$((6*7)) $d_installroot $CFLAGS" | cut -c1-60',
    );
    s.type('type a_make | head -1; echo from the shell > from-shell.txt; exit');
    await s.waitFor(/AT=\/mason\/build\/x86_64\/bp-continue-1\.0\.tar\.gz\n/, 60_000, from);
    await s.waitFor(/the bp-continue sources\nbuilt\n/, 60_000, from);
    await s.waitFor(/MARK-42 \/mason\/install -/, 60_000, from);
    await s.waitFor(/a_make is a function/, 60_000, from);
    expect(await s.exited).toBe(0);
    expect(s.output).toContain('Build finished successfully');
    const stone = readdirSync(out).find((n) => n.startsWith('bp-continue-1.0-1-1-'))!;
    const r = await StoneReader.open(join(out, stone));
    try {
      expect((await r.layout()).map((l) => l.target)).toContain('share/shell/from-shell.txt');
    } finally {
      await r.close();
    }
  }, 180_000);

  it('gives the terminal back after the shell: Ctrl-C then stops the rest of the build', async () => {
    const out = join(work, 'out-int');
    mkdirSync(out);
    const s = boulder(
      'build',
      '--host',
      '-o',
      out,
      recipe('bp-int', '%break_continue\necho resumed\nsleep 120'),
    );
    await s.waitFor(/breakpoint %break_continue/);
    s.type('exit');
    await s.waitFor(/│B│ resumed/);
    const started = Date.now();
    s.interrupt();
    // Had the shell kept the terminal's foreground group, Ctrl-C would reach no one and the
    // build would sleep on for two minutes.
    expect(await s.exited).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(readdirSync(out)).toEqual([]);
  }, 180_000);

  it('boulder chroot: a login shell in the build root with the last build’s files', async () => {
    const s = boulder('chroot', '--host', continuing);
    s.type(
      'echo "AT=$(pwd)"; cat from-shell.txt; echo "CHROOT-$((2*21))"; ls /mason/install/usr/share/shell',
    );
    s.type('type a_configure | head -1; exit 7');
    await s.waitFor(
      /AT=\/mason\/build\/x86_64\/bp-continue-1\.0\.tar\.gz\nfrom the shell\nCHROOT-42\nfrom-shell\.txt\n/,
    );
    await s.waitFor(/a_configure is a function/);
    expect(await s.exited).toBe(7);
  }, 180_000);

  it('%break_exit, and a shell leaving a %break_continue non-zero, stop the build with nothing packaged', async () => {
    const out = join(work, 'out-exit');
    mkdirSync(out);
    const stopping = recipe('bp-exit', 'echo built > built.txt\n%break_exit\necho never');
    const s = boulder('build', '--host', '-q', '-o', out, stopping);
    await s.waitFor(/breakpoint %break_exit at .*stone\.yaml:13/);
    s.type('exit');
    expect(await s.exited).toBe(1);
    expect(s.output).toMatch(/stopped at its %break_exit \(.*stone\.yaml:13\); nothing was packaged/);
    expect(readdirSync(out)).toEqual([]);

    const aborted = boulder('build', '--host', '-q', '-o', out, continuing);
    await aborted.waitFor(/breakpoint %break_continue/);
    aborted.type('exit 3');
    expect(await aborted.exited).toBe(1);
    expect(aborted.output).toContain('stopped because the shell at its %break_continue exited with 3');
    expect(readdirSync(out)).toEqual([]);
  }, 180_000);
});
