import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@serpent/durable';
import { expandRecipe, loadMacros, parseRecipe } from '@serpent/recipe';
import { BuildError } from '../build-error.js';
import { analyzeSource, type SourceAnalysis } from './analyze-source.js';
import { SYSTEM_RECIPES } from './build-systems.js';
import { type DraftEvent, fetchSources } from './fetch-sources.js';
import { type LookupOptions, lookupMonitoring, type Monitoring } from './monitoring.js';
import { type DraftRecipe, renderMonitoringYaml, renderStoneYaml } from './render-draft.js';
import { sourceMetadata } from './source-metadata.js';

export interface DraftOptions {
  /** Where `stone.yaml` and `monitoring.yaml` go (created if missing). */
  readonly outputDir: string;
  /** Write `toolchain: gnu` (the default is boulder's, LLVM). */
  readonly toolchain?: 'gnu' | 'llvm';
  /** Ask release-monitoring.org and the CPE guesser (default true); their URLs for tests. */
  readonly lookup?: boolean | LookupOptions;
  /** Replace existing files (default: refuse, so no recipe is lost). */
  readonly force?: boolean;
  readonly onEvent?: (e: DraftEvent) => void;
}

export interface Draft {
  readonly recipe: DraftRecipe;
  readonly analysis: SourceAnalysis;
  readonly monitoring: Monitoring;
  readonly stoneYaml: string;
  readonly monitoringYaml: string;
}

/**
 * `boulder recipe new`: downloads the upstreams (recording their SHA-256), unpacks them in a
 * private temporary directory, recognises the build system and what it needs, and writes
 * `stone.yaml` and `monitoring.yaml`. The draft is parsed and expanded before it is written,
 * so what lands on disk is a recipe boulder accepts.
 */
export async function draftRecipe(urls: readonly string[], opts: DraftOptions): Promise<Draft> {
  const targets = ['stone.yaml', 'monitoring.yaml'].map((f) => join(opts.outputDir, f));
  for (const t of opts.force ? [] : targets) {
    if (
      await access(t).then(
        () => true,
        () => false,
      )
    ) {
      throw new BuildError('BUILD_DRAFT_FAILED', `${t} exists already`, {
        hint: 'draft into another directory (-o DIR), or pass --force to replace it',
        details: { path: t },
      });
    }
  }
  const work = await mkdtemp(join(tmpdir(), 'boulder-new-'));
  try {
    const sources = await fetchSources(urls, work, opts.onEvent);
    const analysis = analyzeSource(sources.flatMap((s) => (s.root ? [s.root] : [])));
    if (analysis.guessed)
      opts.onEvent?.({ type: 'draft-warning', message: 'no build system recognised: drafted as autotools' });
    const meta = sourceMetadata(urls[0]!);
    const name = meta.name ?? analysis.project.name?.toLowerCase() ?? 'UPDATE-NAME';
    const system = SYSTEM_RECIPES[analysis.system];
    const recipe: DraftRecipe = {
      name,
      version: meta.version ?? analysis.project.version ?? '0',
      homepage: meta.homepage ?? 'UPDATE HOMEPAGE',
      upstreams: sources.map((s) => ({ url: s.url, sha256: s.sha256, unpack: s.root !== undefined })),
      ...(analysis.project.summary ? { summary: analysis.project.summary } : {}),
      ...(analysis.project.license ? { license: analysis.project.license } : {}),
      system: analysis.system,
      networking: system.networking === true,
      ...(opts.toolchain ? { toolchain: opts.toolchain } : {}),
      builddeps: analysis.builddeps,
      phases: system.phases,
    };
    const stoneYaml = renderStoneYaml(recipe, new Date().getFullYear());
    await checkDraft(stoneYaml, targets[0]!);
    const lookup = opts.lookup ?? true;
    const monitoring: Monitoring = lookup
      ? await lookupMonitoring(name, lookup === true ? {} : lookup)
      : { problems: ['not looked up (--no-lookup)'] };
    const rss =
      meta.forge === 'github'
        ? `${meta.homepage}/releases.atom`
        : meta.forge === 'pypi'
          ? `https://pypi.org/rss/project/${name}/releases.xml`
          : undefined;
    const monitoringYaml = renderMonitoringYaml(
      name,
      { ...monitoring, ...(rss ? { rss } : {}) },
      new Date().toISOString().slice(0, 10),
    );
    await writeFileAtomic(targets[0]!, stoneYaml);
    await writeFileAtomic(targets[1]!, monitoringYaml);
    return { recipe, analysis, monitoring, stoneYaml, monitoringYaml };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A draft boulder would refuse is a bug of the drafter: said before anything is written. */
async function checkDraft(text: string, file: string): Promise<void> {
  try {
    expandRecipe(parseRecipe(text, file).recipe, await loadMacros());
  } catch (cause) {
    throw new BuildError(
      'BUILD_DRAFT_FAILED',
      `the draft of ${file} is not a valid recipe: ${(cause as Error).message}`,
      {
        hint: 'this is a bug of the drafter; please report it with the URLs',
        details: { file },
        cause,
      },
    );
  }
}
