#!/usr/bin/env node
// The `moss` command. It checks the Node version first (the stone codec needs zstd in node:zlib,
// Node 22.15 or newer) and only then loads the built command line, lazily, so that a wrong Node
// gets one clear sentence instead of a stack trace.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(
    `moss needs Node 22.15 or newer; this is ${process.version}.\n` +
      'From a checkout of the repository, run it as `npx pnpm@10.34.8 moss ...`, which uses the pinned Node.\n',
  );
  process.exit(1);
}
const { main } = await import('../dist/main.js');
process.exitCode = await main(process.argv.slice(2));
