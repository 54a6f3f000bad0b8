import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their TypeScript sources (the `@serpent/source` export
// condition), so `vitest` needs no prior build of the packages it imports. The published entry
// points (`dist/`) are exercised by the e2e tests, which run the built binaries.
// The rest is Vite's default server condition list.
const conditions = ['@serpent/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@serpent/source'] } },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON report feeds the one-line total printed by scripts/run-tests.mjs.
    reporters: ['default', ['json', { outputFile: '.test-results.json' }]],
  },
});
