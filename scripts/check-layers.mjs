// The layering check (CI runs it from run-tests.mjs): dependency-cruiser over every package's
// and tool's sources with the rules in .dependency-cruiser.cjs. Prints each violation with the
// rule's reason and exits 1 if there is any.
//   node scripts/check-layers.mjs [DIR]   (DIR: a tree laid out like this one; default the repo)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cwd = process.argv[2] ?? repo;
const targets = ['packages', 'tools'].filter((d) => existsSync(join(cwd, d)));
const r = spawnSync(
  join(repo, 'node_modules', '.bin', 'depcruise'),
  [...targets, '--config', join(repo, '.dependency-cruiser.cjs'), '--output-type', 'err-long'],
  { cwd, stdio: 'inherit' },
);
// dependency-cruiser exits with the number of violations; any is a failure.
process.exit(r.status === 0 ? 0 : 1);
