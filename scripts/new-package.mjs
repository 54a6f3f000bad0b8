// Lays down a new workspace package in the repo's shape: `node scripts/new-package.mjs <dir> <name> "<description>" [dep ...]`
// e.g. `node scripts/new-package.mjs packages/vfs @serpent/vfs "builds and blits /usr trees" @serpent/errors`
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [dir, name, description, ...deps] = process.argv.slice(2);
if (!dir || !name || !description) {
  console.error('usage: node scripts/new-package.mjs <dir> <name> "<description>" [dep ...]');
  process.exit(2);
}
if (existsSync(join(dir, 'package.json'))) {
  console.error(`${dir}/package.json exists already`);
  process.exit(1);
}
const up = relative(dir, '.') || '.';
mkdirSync(join(dir, 'src'), { recursive: true });
mkdirSync(join(dir, 'test'), { recursive: true });
const dependencies = Object.fromEntries(
  deps.map((d) => [d, d.startsWith('@serpent/') ? 'workspace:*' : '*']),
);
const pkg = {
  name,
  version: '0.1.0',
  description,
  license: 'MPL-2.0',
  type: 'module',
  sideEffects: false,
  // Raise to >=22.15 if it writes stones or uses a package that does (check-packages.mjs
  // imports it under an older Node to hold the claim).
  engines: { node: '>=20' },
  exports: {
    '.': { '@serpent/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
    './package.json': './package.json',
    './internal/*': null,
  },
  files: ['dist', 'src'],
  publishConfig: { access: 'public' },
  scripts: {
    build: 'tsc -b',
    test: 'vitest run',
    lint: 'biome check .',
    'check-package': 'node ../../scripts/check-packages.mjs .',
  },
  dependencies,
  devDependencies: { vitest: '4.1.12' },
};
writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
const references = deps
  .filter((d) => d.startsWith('@serpent/'))
  .map((d) => ({ path: `${up}/packages/${d.slice('@serpent/'.length)}` }));
writeFileSync(
  join(dir, 'tsconfig.json'),
  `${JSON.stringify(
    {
      extends: `${up}/tsconfig.base.json`,
      compilerOptions: { rootDir: 'src', outDir: 'dist' },
      include: ['src'],
      exclude: ['src/**/*.test.ts'],
      references,
    },
    null,
    2,
  )}\n`,
);
copyFileSync('LICENSE', join(dir, 'LICENSE'));
writeFileSync(join(dir, 'vitest.config.ts'), `export { default } from '${up}/vitest.shared.ts';\n`);
console.log(`created ${dir} (${name}); add it to the root tsconfig.json references and run pnpm install`);
