// The main job on the embedded demo repository (`npm run setup` ends with it; `pnpm demo` runs it).
// 1. Builds the demo packages in demo/ into .stone files with @serpent/stone.
// 2. Shows one with `moss inspect`, and extracts it with `moss extract`.
// 3. Indexes the repository, adds it to a fresh root and installs `hello` from it by name
//    (libgreet comes along as a dependency), runs the installed program, removes it and rolls
//    back to the first state.
// Everything is written under .demo/ in the checkout (ignored by git) and rebuilt each run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDemoStones, walk } from './demo-repo.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const demo = join(root, 'demo');
const out = join(root, '.demo');
const repo = join(out, 'repo');
const moss = join(root, 'tools', 'moss', 'bin', 'moss.js');

function step(title) {
  console.log(`\n\x1b[1m== ${title}\x1b[0m`);
}
function run(args, { allowFail = false } = {}) {
  console.log(`$ moss ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [moss, ...args], { stdio: 'inherit' });
  if (r.status !== 0 && !allowFail) {
    console.error(`demo: \`moss ${args.join(' ')}\` failed with status ${r.status}`);
    process.exit(1);
  }
  return r.status;
}
rmSync(out, { recursive: true, force: true });
mkdirSync(repo, { recursive: true });

step('1. Build the demo packages with @serpent/stone');
const stones = await buildDemoStones(demo, repo, (line) => console.log(line.replace(root, '')));

step('2. Inspect a package');
run(['inspect', stones[1]]);

step('3. Extract it');
run(['extract', stones[1], '-o', join(out, 'extracted')]);
for (const f of walk(join(out, 'extracted')))
  console.log(`  ${relative(out, f.path)}  ${f.mode.toString(8)}`);

step('4. Index the repository and install from it into a fresh root');
run(['index', repo]);
const sysroot = join(out, 'root');
mkdirSync(sysroot);
run(['-D', sysroot, 'repo', 'add', 'demo', `file://${join(repo, 'stone.index')}`]);
run(['-D', sysroot, 'install', 'hello', '-y']);
run(['-D', sysroot, 'list', 'installed']);

step('5. Run the installed program');
const hello = join(sysroot, 'usr', 'bin', 'hello');
function runHello() {
  const r = spawnSync('/bin/sh', [hello, 'Serpent'], { encoding: 'utf8' });
  process.stdout.write(r.stdout);
  if (r.status !== 0) {
    console.error('demo: the installed hello did not run');
    process.exit(1);
  }
}
runHello();

step('6. Remove it, then roll back to the first state');
run(['-D', sysroot, 'remove', 'hello', '-y']);
console.log(`hello is ${existsSync(hello) ? 'still there (unexpected)' : 'gone'}`);
run(['-D', sysroot, 'state', 'list']);
run(['-D', sysroot, 'state', 'activate', '1']);
runHello();
run(['-D', sysroot, 'state', 'verify']);
console.log(`\ndemo done: everything is under ${relative(process.cwd(), out) || '.'}/`);
