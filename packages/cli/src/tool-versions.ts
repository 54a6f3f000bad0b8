import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** What `TOOL version --json` prints. */
export interface ToolVersions {
  readonly name: string;
  readonly version: string;
  /** How this copy runs: from a bundle, from the workspace's modules, or as a single executable. */
  readonly build: 'bundle' | 'modules' | 'single-executable';
  readonly node: string;
  readonly platform: string;
  /** Every `@serpent/*` package inside the tool, with its version. */
  readonly packages: Readonly<Record<string, string>>;
}

// Filled in by the bundler (scripts/bundle.mjs) from the packages it bundled; unset in the
// workspace's modules, which read the package.json files instead.
declare const __SERPENT_PACKAGES__: Readonly<Record<string, string>> | undefined;
declare const __SERPENT_BUILD__: ToolVersions['build'] | undefined;

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

function fromModules(packageJson: URL): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (file: string | URL) => {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (out[pkg.name] !== undefined) return;
    out[pkg.name] = pkg.version;
    const require = createRequire(file);
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
      if (dep.startsWith('@serpent/') && out[dep] === undefined)
        visit(require.resolve(`${dep}/package.json`));
    }
  };
  visit(packageJson);
  return out;
}

/**
 * The versions of the tool whose package.json is `packageJson` and of every `@serpent/*`
 * package it is made of, with Node's. Costs nothing in a bundle (the bundler wrote them in).
 */
export function toolVersions(name: string, packageJson: URL): ToolVersions {
  const packages =
    typeof __SERPENT_PACKAGES__ === 'undefined' ? fromModules(packageJson) : __SERPENT_PACKAGES__;
  const own = Object.entries(packages).find(([pkg]) => pkg.endsWith(`/${name}`));
  return {
    name,
    version: own?.[1] ?? '0.0.0',
    build: typeof __SERPENT_BUILD__ === 'undefined' ? 'modules' : __SERPENT_BUILD__,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packages,
  };
}
