// The layering rules of the workspace, checked by dependency-cruiser on every CI run
// (`node scripts/check-layers.mjs`). docs/ARCHITECTURE.md says why each rule exists and why
// dependency-cruiser rather than nx's module boundaries.

/** Packages whose job is I/O: what the pure ones must never reach for. */
const IO_PACKAGES =
  '^packages/(durable|store|system|repository|boot|container|fetch|triggers|builder)/|^packages/vfs/src/blit';

/** The pure parts: bytes and data in, data out (stone's writer, extraction and inspection are its file edges). */
const PURE =
  '^packages/(fnmatch|resolve|recipe|state-export)/src/|^packages/stone/src/(?!stone-writer|extract-stone|inspect-json)|^packages/vfs/src/(build-tree|types|layout-path|vfs-error)';

module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      severity: 'error',
      comment: 'A cycle between files makes their order of evaluation, and what each may call, a guess.',
      from: { path: '^(packages|tools)/[^/]+/src/' },
      to: { circular: true },
    },
    {
      name: 'libraries-never-import-tools',
      severity: 'error',
      comment: 'The tools are built on the libraries, never the other way round.',
      from: { path: '^packages/' },
      to: { path: '^tools/' },
    },
    {
      name: 'pure-packages-import-no-io',
      severity: 'error',
      comment:
        'The stone codec, fnmatch, resolve, the vfs tree, recipe and state-export take data and return data; I/O lives at the edges.',
      from: { path: PURE },
      to: { path: IO_PACKAGES },
    },
    {
      name: 'tools-use-public-entry-points',
      severity: 'error',
      comment:
        "A command calls a package through its index, never into another package's files, and never a database.",
      from: { path: '^tools/[^/]+/src/' },
      to: { path: '^packages/[^/]+/src/(?!index\\.ts$)|node_modules/(better-sqlite3|kysely)/' },
    },
    {
      name: 'packages-use-public-entry-points',
      severity: 'error',
      comment: "A package reaches another only through that package's index.",
      from: { path: '^packages/([^/]+)/src/' },
      to: { path: '^packages/[^/]+/src/(?!index\\.ts$)', pathNot: '^packages/$1/' },
    },
    {
      name: 'system-lower-layers-stay-low',
      severity: 'error',
      comment:
        "system's files, databases, lock and root layout are below the transaction engine and the Root: they never import them.",
      from: { path: '^packages/system/src/(fs|db|lock)/' },
      to: { path: '^packages/system/src/(transaction|root|repositories|boot)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|test|bench|e2e)/|\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: require('node:path').join(__dirname, 'tsconfig.base.json') },
    // Workspace packages resolve to their TypeScript sources, as the tests run them.
    enhancedResolveOptions: {
      conditionNames: ['@serpent/source', 'import', 'types', 'default'],
      exportsFields: ['exports'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
