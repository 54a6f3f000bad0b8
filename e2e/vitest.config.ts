import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../vitest.shared.ts';

// The e2e tests spawn the real binaries, which run builds and namespaces: one file at a time
// keeps them from fighting over the machine's 2 cores.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: false, testTimeout: 300_000 } }));
