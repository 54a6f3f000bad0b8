import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  compareUtf8,
  type Dependency,
  encodeBuildManifest,
  type PackageMeta,
  parseDependency,
  type StoneEntryInput,
  writePackage,
} from '@serpent/stone';
import type { Bucket } from './analyze.js';
import type { BuildPlan } from './build-plan.js';
import { manifestJson } from './manifest-json.js';

export interface EmittedPackage {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly meta: PackageMeta;
}

export interface Emission {
  readonly packages: EmittedPackage[];
  readonly manifestBin: string;
  readonly manifestJsonc: string;
}

function parseAll(xs: Iterable<string>): Dependency[] {
  return [...xs].map((x) => parseDependency(x)).filter((d): d is Dependency => d !== undefined);
}

function entryOf(f: Bucket['files'][number]): StoneEntryInput {
  const target = f.path.slice('/usr/'.length);
  // Owners are normalised to root: the build ran as a mapped user, the package installs as root.
  const common = { target, uid: 0, gid: 0 };
  switch (f.type) {
    case 'regular':
      return { ...common, type: 'regular', mode: f.mode, content: { path: f.hostPath } };
    case 'symlink':
      return { ...common, type: 'symlink', source: f.linkTarget ?? '', mode: f.mode };
    default:
      return { ...common, type: f.type, mode: f.mode };
  }
}

/** The file name boulder gives a package: `name-version-release-build-arch.stone`. */
export function stoneFileName(
  meta: Pick<PackageMeta, 'name' | 'version' | 'release' | 'buildRelease' | 'architecture'>,
) {
  return `${meta.name}-${meta.version}-${meta.release}-${meta.buildRelease}-${meta.architecture}.stone`;
}

/**
 * Writes one `.stone` per package that received files (an empty package is never emitted,
 * unlike the original), then `manifest.<arch>.bin` and `manifest.<arch>.jsonc` covering every
 * package but `*-dbginfo`.
 */
export async function emitPackages(
  plan: BuildPlan,
  buckets: ReadonlyMap<string, Bucket>,
  outDir: string,
  opts: { level?: number } = {},
): Promise<Emission> {
  const defs = new Map(plan.packages.map((p) => [p.name, p]));
  const emitted: EmittedPackage[] = [];
  const manifestPkgs: Array<{ meta: PackageMeta; bucket: Bucket; rundeps: readonly string[] }> = [];
  const names = [...buckets.keys()].sort(compareUtf8);
  for (const name of names) {
    const bucket = buckets.get(name)!;
    const files = bucket.files.filter((f) => f.path.startsWith('/usr/'));
    if (files.length === 0) continue;
    const def = defs.get(name);
    const rundeps = def?.rundeps ?? [];
    const meta: PackageMeta = {
      name,
      version: plan.version,
      release: plan.release,
      buildRelease: plan.buildRelease ?? 1,
      architecture: plan.architecture,
      summary: def?.summary ?? plan.summary,
      description: def?.description ?? plan.description,
      homepage: plan.homepage,
      sourceId: plan.name,
      licenses: [...plan.licenses].sort(compareUtf8),
      depends: parseAll([...bucket.depends, ...rundeps]).filter(
        (d) => !(d.kind === 'name' && d.name === name),
      ),
      provides: parseAll(bucket.providers),
      conflicts: parseAll(def?.conflicts ?? []),
    };
    const path = join(outDir, stoneFileName(meta));
    const written = await writePackage(path, {
      meta,
      entries: files.map(entryOf),
      ...(opts.level === undefined ? {} : { level: opts.level }),
    });
    emitted.push({ name, path, size: written.size, meta });
    if (!name.endsWith('-dbginfo')) manifestPkgs.push({ meta, bucket: { ...bucket, files }, rundeps });
  }

  const buildDeps = [...new Set(plan.buildDeps)].sort(compareUtf8);
  const bin = await encodeBuildManifest(
    manifestPkgs.map((m) => ({ ...m.meta, buildDepends: parseAll(buildDeps) })),
    opts.level === undefined ? {} : { level: opts.level },
  );
  const manifestBin = join(outDir, `manifest.${plan.architecture}.bin`);
  await writeFile(manifestBin, bin);
  const manifestJsonc = join(outDir, `manifest.${plan.architecture}.jsonc`);
  await writeFile(
    manifestJsonc,
    manifestJson(
      plan,
      manifestPkgs.map(({ meta, bucket, rundeps }) => ({
        name: meta.name,
        buildDepends: buildDeps,
        depends: [...bucket.depends, ...rundeps.filter((r) => r !== meta.name)],
        files: bucket.files.map((f) => f.path),
        provides: [...bucket.providers],
      })),
    ),
  );
  return { packages: emitted, manifestBin, manifestJsonc };
}
