#!/usr/bin/env node
// The `boulder` command. It checks the Node version first (the stone codec needs zstd in node:zlib,
// Node 22.15 or newer), turns on Node's module compile cache, and only then loads the bundled
// command line (dist/bundle, made by the package's build), so that a wrong Node gets one clear
// sentence instead of a stack trace.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(
    `boulder needs Node 22.15 or newer; this is ${process.version} (${process.execPath}).\n` +
      'Install a newer Node, or use the single executable, which brings its own.\n',
  );
  process.exit(1);
}
// The compiled code of the bundle is kept between runs (in the system temporary directory, or
// NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so a start-up compiles nothing.
const { createRequire, enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = createRequire(import.meta.url)('../dist/bundle/boulder.cjs');
process.exitCode = await main(process.argv.slice(2));
