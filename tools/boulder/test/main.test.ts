import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bufferIo } from '@serpent/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

const work = mkdtempSync(join(tmpdir(), 'boulder-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function boulder(...argv: string[]) {
  const io = bufferIo();
  const status = await main(argv, io);
  return { status, out: io.out(), err: io.err() };
}

let n = 0;
function recipeDir(body: string): string {
  const dir = join(work, `r${n++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'stone.yaml'), body);
  return dir;
}

const tarball = join(work, 'hello-1.0.tar.gz');
writeFileSync(tarball, 'not really a tarball');
const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex');
const RECIPE = `# a comment that must survive
name        : hello
version     : "1.0"
release     : 1
homepage    : https://example.org
upstreams   :
    - ${pathToFileURL(tarball).href} : ${sha}
summary     : Says hello
description : Says hello.
license     : MIT
builddeps   :
    - pkgconfig(zlib)
setup       : |
    %configure --disable-static
build       : |
    %make
install     : |
    %make_install
packages    :
    - "%(name)-extras":
        summary: Extras for %(name)
        paths:
            - /usr/share/hello/extras
`;

describe('boulder', () => {
  it('prints help with commands and examples', async () => {
    const r = await boulder('--help');
    expect(r.status).toBe(0);
    for (const c of ['build', 'chroot', 'recipe', 'profile', 'version']) expect(r.out).toContain(`  ${c} `);
    expect(r.out).toContain('Examples:');
    const help = await boulder('help', 'recipe', 'expand');
    expect(help.status).toBe(0);
    expect(help.out).toContain('boulder recipe expand - ');
    expect(help.out).toContain('boulder recipe expand --json recipes/nano');
  });

  it('exits 2 on a usage error and 1 on a failure, with error and hint lines', async () => {
    const usage = await boulder('frobnicate');
    expect(usage.status).toBe(2);
    expect(usage.err).toMatch(/^error: boulder: no command "frobnicate"\nhint: /);
    const missing = await boulder('recipe', 'expand', join(work, 'nowhere'));
    expect(missing.status).toBe(1);
    expect(missing.err).toContain(`error: cannot read recipe ${join(work, 'nowhere')}`);
    expect(missing.err).toContain('hint: pass the path of a stone.yaml');
  });

  it('recipe expand prints every phase and the dependencies the macros add', async () => {
    const r = await boulder('recipe', 'expand', recipeDir(RECIPE));
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toContain('── x86_64 setup\n#!/bin/sh\nset -e\n');
    expect(r.out).toContain('--libexecdir="/usr/lib/hello" --disable-static\n');
    expect(r.out).toContain('make -j "1" install DESTDIR="/mason/install"\n');
    expect(r.out).toContain('Build dependencies: binary(make) pkgconfig(zlib)\n');
    expect(r.out).toContain('Added by macros: binary(make)\n');
  });

  it('recipe expand --json, and a typed error for an unknown macro', async () => {
    const json = await boulder('recipe', 'expand', '--json', recipeDir(RECIPE));
    const doc = JSON.parse(json.out) as { jobs: Array<{ target: string; phases: Array<{ name: string }> }> };
    expect(doc.jobs.map((j) => [j.target, j.phases.map((p) => p.name)])).toEqual([
      ['x86_64', ['setup', 'build', 'install']],
    ]);
    const dir = recipeDir(RECIPE.replace('%make\n', '%make\n    %mkae_install\n'));
    const bad = await boulder('recipe', 'expand', dir);
    expect(bad.status).toBe(1);
    expect(bad.err).toContain(
      `error: ${join(dir, 'stone.yaml')}:17: build: unknown action macro %mkae_install`,
    );
    expect(bad.err).toContain('hint: check the spelling; `boulder recipe macros` lists every macro');
    const badJson = await boulder('recipe', 'expand', '--json', dir);
    expect(JSON.parse(badJson.out).error.code).toBe('RECIPE_UNKNOWN_MACRO');
  });

  it('recipe macros lists actions and definitions; the macros shortcut works', async () => {
    const r = await boulder('recipe', 'macros');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/ {2}%cmake_install +Install a built CMake project/);
    expect(r.out).toMatch(/%\(libdir\) +\/usr\/lib\n/);
    const one = await boulder('macros', 'meson_build');
    expect(one.out).toContain('meson compile -v -j "%(jobs)" -C "serpent_builddir"');
    const json = JSON.parse((await boulder('recipe', 'macros', '--json', '--toolchain', 'gnu')).out) as {
      definitions: Array<{ name: string; expansion: string }>;
    };
    expect(json.definitions.find((d) => d.name === 'cc')?.expansion).toBe('gcc');
    expect((await boulder('recipe', 'macros', 'nosuch')).status).toBe(2);
    expect(r.out).toMatch(/Breakpoints .*\n {2}%break_continue +Stop here with a shell/);
    expect((await boulder('macros', 'break_exit')).out).toMatch(/^%break_exit: Stop here with a shell/);
  });

  it('bump and recipe update edit the file in place, comments kept', async () => {
    const dir = recipeDir(RECIPE);
    const file = join(dir, 'stone.yaml');
    expect((await boulder('bump', dir)).status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(RECIPE.replace('release     : 1', 'release     : 2'));
    const next = join(work, 'hello-1.1.tar.gz');
    writeFileSync(next, 'the next release');
    const nextSha = createHash('sha256').update('the next release').digest('hex');
    const r = await boulder('recipe', 'update', '--version', '1.1', '-u', pathToFileURL(next).href, dir);
    expect(r.err).toContain('hashing');
    expect(r.status).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# a comment that must survive\n');
    expect(text).toContain('version     : "1.1"\nrelease     : 3\n');
    expect(text).toContain(`    - ${pathToFileURL(next).href} : ${nextSha}\n`);
  });

  it('build stops at an unknown macro before fetching anything', async () => {
    const dir = recipeDir(RECIPE.replace('%make\n', '%mkae\n'));
    const out = join(work, 'out-bad-macro');
    mkdirSync(out);
    const r = await boulder('build', '--host', '-o', out, '--cache-dir', join(work, 'cache'), dir);
    expect(r.status).toBe(1);
    expect(r.err).toContain('build: unknown action macro %mkae');
    expect(r.out).not.toContain('fetching');
  });

  it('recipe new drafts from a file:// archive; the `new` shortcut and usage errors', async () => {
    const tree = join(work, 'draft-src', 'hello-2.0');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, 'CMakeLists.txt'), 'project(hello C)\nfind_package(ZLIB REQUIRED)\n');
    const archive = join(work, 'hello-2.0.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', join(work, 'draft-src'), 'hello-2.0']);
    const out = join(work, 'drafted');
    const r = await boulder('new', '-o', out, '--no-lookup', pathToFileURL(archive).href);
    expect(r.err).toBe(`fetching ${pathToFileURL(archive).href}\nnote: not looked up (--no-lookup)\n`);
    expect(r.status).toBe(0);
    expect(r.out).toContain(`drafted ${out}/stone.yaml: hello 2.0, cmake, 1 build dependencies\n`);
    expect(readFileSync(join(out, 'stone.yaml'), 'utf8')).toContain(
      'builddeps   :\n    - cmake(ZLIB)\nsetup       : |\n    %cmake\n',
    );
    const expanded = await boulder('recipe', 'expand', out);
    expect(expanded.status).toBe(0);
    expect((await boulder('recipe', 'new')).status).toBe(2);
    expect((await boulder('recipe', 'new', '--toolchain', 'icc', 'file:///x.tar.gz')).status).toBe(2);
    const again = await boulder('recipe', 'new', '-o', out, '--no-lookup', pathToFileURL(archive).href);
    expect(again.status).toBe(1);
    expect(again.err).toContain('hint: draft into another directory (-o DIR), or pass --force to replace it');
  });

  it('version', async () => {
    expect((await boulder('version')).out).toMatch(/^boulder \d+\.\d+\.\d+\n$/);
  });
});
