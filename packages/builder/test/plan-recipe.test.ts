import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { planFromRecipe } from '../src/index.ts';

const work = mkdtempSync(join(tmpdir(), 'plan-recipe-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tarball = join(work, 'hello-1.0.tar.gz');
writeFileSync(tarball, 'not really a tarball');
const sha = createHash('sha256').update('not really a tarball').digest('hex');
const RECIPE = `name        : hello
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

let n = 0;
function recipe(body: string): string {
  const dir = join(work, `r${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'stone.yaml'), body);
  return dir;
}

describe('planFromRecipe', () => {
  it('turns a recipe into a build plan: expanded phases, upstreams, packages and rules', async () => {
    const warnings: string[] = [];
    const plan = await planFromRecipe(recipe(RECIPE), {
      buildRelease: 2,
      jobs: 3,
      onWarning: (w) => warnings.push(w.message),
    });
    expect(warnings).toEqual([]);
    expect(plan).toMatchObject({
      name: 'hello',
      version: '1.0',
      release: 1,
      licenses: ['MIT'],
      architecture: 'x86_64',
      buildRelease: 2,
      toolchain: 'llvm',
      strip: true,
      networking: false,
      buildDeps: ['pkgconfig(zlib)'],
      workDir: 'hello-1.0.tar.gz',
      upstreams: [{ kind: 'plain', uri: pathToFileURL(tarball).href, hash: sha, stripDirs: 1, unpack: true }],
    });
    expect(plan.recipeFile).toBe(join(work, 'r0', 'stone.yaml'));
    expect(plan.targets.map((t) => [t.target, t.stage, t.phases.map((p) => p.name)])).toEqual([
      ['x86_64', 'none', ['setup', 'build', 'install']],
    ]);
    expect(plan.targets[0]!.phases[1]!.script).toContain(
      'cd "/mason/build/x86_64/hello-1.0.tar.gz"\n\nmake -j "3"',
    );
    expect(plan.targets[0]!.shellProfile).toBeUndefined();
    expect(plan.packages.find((p) => p.name === 'hello-extras')).toMatchObject({
      summary: 'Extras for hello',
    });
    expect(plan.rules.at(-1)).toEqual({ pattern: '/usr/share/hello/extras', package: 'hello-extras' });
    expect(plan.rules.some((r) => r.package === 'hello-devel' && r.pattern === '/usr/include')).toBe(true);
    expect(plan.rootDependencies).toEqual(['binary(make)', 'pkgconfig(zlib)']);
  });

  it('plans the PGO stages of a recipe with a workload (GNU: instrument, then use)', async () => {
    const plan = await planFromRecipe(recipe(`${RECIPE}toolchain: gnu\nworkload: ./hello --bench\n`), {
      jobs: 1,
    });
    expect(plan.targets.map((t) => [t.stage, t.phases.map((p) => p.name)])).toEqual([
      ['one', ['setup', 'build', 'workload']],
      ['use', ['setup', 'build', 'install']],
    ]);
    expect(plan.targets[0]!.phases[0]!.script).toContain(
      '-fprofile-generate -fprofile-dir=/mason/build/x86_64-pgo/IR',
    );
    expect(plan.targets[1]!.phases[0]!.script).toContain(
      '-fprofile-use -fprofile-dir=/mason/build/x86_64-pgo/IR',
    );
    const plain = await planFromRecipe(recipe(`${RECIPE}workload: ./bench\n`), { noPgo: true });
    expect(plain.targets.map((t) => t.stage)).toEqual(['none']);
  });

  it('carries breakpoints and the shell profile into the plan', async () => {
    const plan = await planFromRecipe(
      recipe(RECIPE.replace('    %make\n', '    %make\n    %break_continue\n')),
    );
    const build = plan.targets[0]!.phases[1]!;
    expect(build.chunks?.map((c) => c.breakpoint?.line)).toEqual([16, undefined]);
    expect(plan.targets[0]!.shellProfile).toContain('a_make_install() {');
    const chroot = await planFromRecipe(recipe(RECIPE), { shellProfiles: true });
    expect(chroot.targets[0]!.shellProfile).toContain("d_installroot='/mason/install'");
  });
});
