// Releases through changesets (why changesets and not nx release: docs/ARCHITECTURE.md).
//
//   node scripts/release.mjs version   pending changesets → new versions + CHANGELOG.md entries
//                                       (`npm run release:version`; commit the result)
//   node scripts/release.mjs           build and check every package (publint, attw), then publish
//                                       (`npm run release`)
//   node scripts/release.mjs publish   publish only: every package whose version the registry
//                                       lacks, through `pnpm publish`, which writes the real
//                                       version in place of each `workspace:*` range
//
// The registry is npm's configured one (`npm_config_registry`, or a scoped
// `@serpent:registry=` in the user's .npmrc); the e2e registry test runs `publish` against a
// Verdaccio on 127.0.0.1. Git tags are a separate, deliberate step after a good publish
// (`npx pnpm@10.34.8 changeset git-tag`), so a publish to a test registry tags nothing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNx } from './nx.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'node_modules', '.bin');
// changeset calls `pnpm` (the pinned devDependency) and `node` (the pinned Node) by name.
const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };

function changeset(args) {
  const r = spawnSync(join(bin, 'changeset'), args, { cwd: repo, stdio: 'inherit', env });
  return r.status ?? 1;
}

const step = process.argv[2] ?? 'all';
if (step === 'version') process.exit(changeset(['version']));
if (step === 'all') {
  const status = runNx(['run-many', '-t', 'build', 'check-package', '--outputStyle=static']);
  if (status !== 0) process.exit(status);
} else if (step !== 'publish') {
  console.error('usage: node scripts/release.mjs [version | publish]');
  process.exit(2);
}
process.exit(changeset(['publish', '--no-git-tag']));
