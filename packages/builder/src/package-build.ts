import { mkdir } from 'node:fs/promises';
import { analyzeFiles } from './analyze.js';
import { collectInstallRoot } from './collect.js';
import { type Emission, emitPackages } from './emit.js';
import type { PhaseContext } from './phase-runner.js';
import { readPythonMetadata } from './python-metadata.js';

export interface PackageOptions {
  readonly outputDir: string;
  /** `/` in host mode, else the build root: where RPATH lookups also look. */
  readonly buildRoot: string;
  readonly level?: number;
}

export type PackageSteps = Record<'collect' | 'analyze' | 'emit', number>;

/**
 * Collects the install root, reads its Python distributions in the build root's python3,
 * analyses every file and emits the stones and manifests, each step timed.
 */
export async function packageBuild(
  ctx: PhaseContext,
  opts: PackageOptions,
): Promise<{ emission: Emission; steps: PackageSteps }> {
  const { plan, ws, emit } = ctx;
  const steps: PackageSteps = { collect: 0, analyze: 0, emit: 0 };
  const timed = async <T>(step: keyof PackageSteps, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await f();
    steps[step] = performance.now() - t0;
    emit({ type: 'step', step, ms: steps[step] });
    return out;
  };
  const collection = await timed('collect', () => collectInstallRoot(ws.install));
  const refused = collection.ignored.filter((x) => x.reason !== 'libtool file');
  if (refused.length > 0) {
    emit({
      type: 'warning',
      message: `${refused.length} file(s) outside /usr were not packaged: ${refused[0]!.reason}`,
      paths: refused.map((x) => x.path),
    });
  }
  const python = await readPythonMetadata(ctx, collection.files);
  const buckets = await timed('analyze', () =>
    analyzeFiles(collection.files, {
      rules: plan.rules,
      installDir: ws.install,
      buildRoot: opts.buildRoot,
      ...(python ? { python } : {}),
    }),
  );
  await mkdir(opts.outputDir, { recursive: true });
  const emission = await timed('emit', () =>
    emitPackages(plan, buckets, opts.outputDir, opts.level === undefined ? {} : { level: opts.level }),
  );
  for (const p of emission.packages) {
    emit({ type: 'package', name: p.name, path: p.path, files: buckets.get(p.name)?.files.length ?? 0 });
  }
  return { emission, steps };
}
