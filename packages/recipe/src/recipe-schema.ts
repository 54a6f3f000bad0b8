/**
 * The JSON Schema of `stone.yaml`: every key boulder accepts, with its type and default.
 * `description` doubles as the "expected ..." text of error messages. Unions are written as
 * `type: [a, b]` with object/array keywords (which only apply to their own type) rather than
 * `anyOf`, so a mistake yields one precise error instead of one per branch.
 * `additionalProperties: false` everywhere: the loader turns those findings into warnings
 * (unknown keys are not fatal, but never silently ignored as in the original).
 */

/** boulder's "stringy bool": YAML booleans or these words. */
export const TRUE_WORDS = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'] as const;
export const FALSE_WORDS = [
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
] as const;

const bool = {
  type: ['boolean', 'string'],
  enum: [true, false, ...TRUE_WORDS, ...FALSE_WORDS],
  description: 'a boolean (true/false, yes/no, on/off)',
} as const;
const str = { type: 'string', description: 'a string' } as const;
const script = { type: 'string', description: 'a shell script (use `key: |` for several lines)' } as const;
const deps = {
  type: 'array',
  items: { type: 'string', description: 'a dependency string such as name, binary(x), pkgconfig(x)' },
  description: 'a list of dependency strings',
} as const;
const paths = {
  type: 'array',
  description: 'a list of path globs',
  items: {
    type: ['string', 'object'],
    description: 'a glob, or `glob: any|exe|symlink|special`',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: {
      enum: ['any', 'exe', 'symlink', 'special'],
      description: 'any, exe, symlink or special',
    },
  },
} as const;

const buildProperties = {
  setup: script,
  build: script,
  install: script,
  check: script,
  workload: script,
  environment: script,
  builddeps: deps,
  checkdeps: deps,
} as const;

const packageSchema = {
  type: 'object',
  description: 'a map of summary, description, rundeps, paths, conflicts',
  additionalProperties: false,
  properties: { summary: str, description: str, rundeps: deps, paths, conflicts: deps },
} as const;

const plainUpstream = {
  type: ['string', 'object'],
  description: 'the sha256 of the download, or a map with hash, rename, stripdirs, unpack, unpackdir',
  minLength: 5,
  required: ['hash'],
  additionalProperties: false,
  properties: {
    hash: { type: 'string', minLength: 5, description: 'the sha256 (hex) of the download' },
    rename: str,
    stripdirs: { type: 'integer', minimum: 0, maximum: 255, description: 'an integer from 0 to 255' },
    unpack: bool,
    unpackdir: str,
  },
} as const;

const gitUpstream = {
  type: ['string', 'object'],
  description: 'a git ref, or a map with ref, clonedir, staging',
  required: ['ref'],
  additionalProperties: false,
  properties: {
    ref: { type: 'string', description: 'a commit, tag or branch' },
    clonedir: str,
    staging: bool,
  },
} as const;

export const recipeSchema = {
  $id: 'https://serpentos.com/schema/stone.yaml.json',
  type: 'object',
  description: 'a map of recipe keys',
  required: ['name', 'version', 'release', 'homepage', 'license'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9+._-]*$', description: 'a package name' },
    version: { type: ['string', 'number'], description: 'a version string (quote it)' },
    release: { type: 'integer', minimum: 0, description: 'a non-negative integer' },
    homepage: str,
    license: {
      type: ['string', 'array'],
      items: { type: 'string', description: 'an SPDX license identifier' },
      description: 'an SPDX license identifier or a list of them',
    },
    summary: str,
    description: str,
    upstreams: {
      type: 'array',
      description: 'a list of `URL: sha256` or `git|URL: ref` entries',
      items: {
        type: 'object',
        description: 'a single `URL: value` entry',
        minProperties: 1,
        maxProperties: 1,
        patternProperties: { '^git\\|': gitUpstream },
        additionalProperties: plainUpstream,
      },
    },
    rundeps: deps,
    conflicts: deps,
    paths,
    ...buildProperties,
    profiles: {
      type: 'array',
      description: 'a list of `target: {setup, build, ...}` entries',
      items: {
        type: 'object',
        description: 'a single `target: {...}` entry',
        minProperties: 1,
        maxProperties: 1,
        additionalProperties: {
          type: 'object',
          description: 'a map of setup, build, install, check, workload, environment, builddeps, checkdeps',
          additionalProperties: false,
          properties: buildProperties,
        },
      },
    },
    packages: {
      type: 'array',
      description: 'a list of `name: {...}` entries',
      items: {
        type: 'object',
        description: 'a single `name: {...}` entry',
        minProperties: 1,
        maxProperties: 1,
        additionalProperties: packageSchema,
      },
    },
    architectures: {
      type: 'array',
      items: { type: 'string', description: 'a build target: native, emul32, x86_64, emul32/x86_64' },
      description: 'a list of build targets',
    },
    tuning: {
      type: 'array',
      description: 'a list of tuning groups: `- group`, `- group: false`, `- group: option`',
      items: {
        type: ['string', 'object'],
        description: 'a group name or a single `group: true|false|option` entry',
        minProperties: 1,
        maxProperties: 1,
        additionalProperties: { type: ['boolean', 'string'], description: 'true, false or an option name' },
      },
    },
    emul32: bool,
    mold: bool,
    toolchain: { enum: ['llvm', 'gnu'], description: 'llvm or gnu' },
    cspgo: bool,
    samplepgo: bool,
    strip: bool,
    networking: bool,
  },
} as const;
