import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_SYSTEMS, type BuildSystem, evidence } from './build-systems.js';
import { scanDependencies } from './scan-dependencies.js';
import { projectMetadata } from './source-metadata.js';

export interface SourceAnalysis {
  /** The highest score (a tie goes to the later system of `BUILD_SYSTEMS`). */
  readonly system: BuildSystem;
  readonly scores: Readonly<Partial<Record<BuildSystem, number>>>;
  /** No evidence at all: `system` is autotools, as the original falls back. */
  readonly guessed: boolean;
  /** From every build file of every system, sorted and unique. */
  readonly builddeps: readonly string[];
  /** What a top-level Cargo.toml or pyproject.toml declares. */
  readonly project: { name?: string; version?: string; summary?: string; license?: string };
}

const SCANNED = new Set(['configure.ac', 'configure.in', 'CMakeLists.txt', 'meson.build', 'pyproject.toml']);
// Build files are small; a huge file of that name is not worth reading whole.
const MAX_READ = 1 << 20;

function readHead(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(MAX_READ);
    return buf.toString('utf8', 0, readSync(fd, buf, 0, MAX_READ, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the unpacked sources (each root is the top of an archive) for the build system and
 * the build dependencies. Symlinks are never followed: an archive's links may point anywhere.
 */
export function analyzeSource(roots: readonly string[]): SourceAnalysis {
  const scores: Partial<Record<BuildSystem, number>> = {};
  const deps = new Set<string>();
  let project: SourceAnalysis['project'] = {};
  const walk = (dir: string, depth: number) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.git') walk(path, depth + 1);
        continue;
      }
      if (!e.isFile()) continue;
      let text: string | undefined;
      const read = () => (text ??= readHead(path));
      for (const [system, points] of evidence(e.name, depth, read))
        scores[system] = (scores[system] ?? 0) + points;
      if (SCANNED.has(e.name) || e.name.endsWith('.cmake'))
        for (const d of scanDependencies(e.name, read())) deps.add(d);
      if (depth === 0 && (e.name === 'Cargo.toml' || e.name === 'pyproject.toml'))
        project = { ...projectMetadata(e.name, read()), ...project };
    }
  };
  for (const root of roots) walk(root, 0);
  let system: BuildSystem = 'autotools';
  let best = 0;
  for (const s of BUILD_SYSTEMS) {
    if ((scores[s] ?? 0) > 0 && (scores[s] ?? 0) >= best) {
      best = scores[s]!;
      system = s;
    }
  }
  return { system, scores, guessed: best === 0, builddeps: [...deps].sort(), project };
}
