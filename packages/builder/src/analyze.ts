import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { type ElfInfo, fdSource, readElf } from '@serpent/elf';
import type { CollectedFile } from './collect.js';
import { assignPackage, type PathRule } from './path-rules.js';
import { pkgConfigRequires } from './pkg-config.js';
import { isPythonMetadata, type PythonMetadata, pythonFacts } from './python-metadata.js';

/** What analysis found for one package. */
export interface Bucket {
  readonly name: string;
  readonly files: CollectedFile[];
  /** `kind(name)` strings. */
  readonly providers: Set<string>;
  /** `kind(name)` strings, own providers removed. */
  readonly depends: Set<string>;
}

export interface AnalyzeOptions {
  readonly rules: readonly PathRule[];
  /** The install root on this machine (`/mason/install` inside the container). */
  readonly installDir: string;
  /** The root the build ran against, for RPATH lookups: `/` in host mode, the build root otherwise. */
  readonly buildRoot: string;
  /** The installed Python distributions, as the build root's python3 read them (`readPythonMetadata`). */
  readonly python?: PythonMetadata;
}

/**
 * Library lookups repeat (every binary needs libc from the same few dirs), so their answers
 * are memoised per analysis; with that and sync stats, analysis of the benchmark root went
 * from 1.26 s to the figure in docs/benchmarks.md.
 */
function existsIn(cache: Map<string, boolean>, path: string): boolean {
  let hit = cache.get(path);
  if (hit === undefined) {
    hit = existsSync(path);
    cache.set(path, hit);
  }
  return hit;
}

type Ctx = AnalyzeOptions & { readonly seen: Map<string, boolean> };

/** `/usr/lib/firefox/libxul.so` → `firefox/libxul.so`; other places keep the bare name. */
function libRelative(path: string): string | undefined {
  const m = /^\/usr\/lib(?:32)?\/(.+)$/.exec(path);
  return m ? m[1] : undefined;
}

/**
 * Reads only the ELF structures it needs through the file descriptor: reading whole files
 * made analysis of a 3,774-path root (1,412 ELF, ~900 MB) take 4.3 s, 23× binutils readelf.
 */
function readElfFile(f: CollectedFile): ElfInfo | undefined {
  if (f.type !== 'regular' || f.size < 52) return undefined;
  const fd = openSync(f.hostPath, 'r');
  try {
    return readElf(fdSource(fd, f.size), f.path);
  } finally {
    closeSync(fd);
  }
}

/**
 * Assigns every collected file to its package (last matching rule wins) and derives providers
 * and dependencies as boulder does: `binary()`/`sysbinary()` from `/usr/bin` and `/usr/sbin`;
 * ELF `soname()` providers, RPATH/RUNPATH-aware `soname()` dependencies and `interpreter()`;
 * `pkgconfig()`/`pkgconfig32()` from `.pc` files; `cmake()` from CMake config files;
 * `python(name)`, `python(name(X.Y))` and `python(dep(X.Y))` from installed distributions.
 * A package never depends on what it provides itself.
 */
export async function analyzeFiles(
  files: readonly CollectedFile[],
  options: AnalyzeOptions,
): Promise<Map<string, Bucket>> {
  const opts: Ctx = { ...options, seen: new Map() };
  const buckets = new Map<string, Bucket>();
  for (const f of files) {
    const pkg = assignPackage(opts.rules, f.path);
    if (pkg === undefined) continue; // impossible while the main package has `*`
    let b = buckets.get(pkg);
    if (!b) {
      b = { name: pkg, files: [], providers: new Set(), depends: new Set() };
      buckets.set(pkg, b);
    }
    b.files.push(f);
    const name = basename(f.path);
    if (f.path.startsWith('/usr/bin/')) b.providers.add(`binary(${name})`);
    else if (f.path.startsWith('/usr/sbin/')) b.providers.add(`sysbinary(${name})`);

    const inDebugDir = f.path.split('/').includes('debug') && name.endsWith('.debug');
    const elf = inDebugDir ? undefined : readElfFile(f);
    if (elf) await analyzeElf(f, elf, b, opts);

    const parts = f.path.split('/');
    if (f.type !== 'directory' && name.endsWith('.pc') && parts.includes('pkgconfig')) {
      await analyzePkgConfig(f, b, opts, parts.includes('lib32'));
    }
    if (f.type !== 'directory' && /(?:[^-]Config|-config)\.cmake$/.test(name)) {
      b.providers.add(`cmake(${name.replace(/-?[Cc]onfig\.cmake$/, '')})`);
    }
    if (opts.python && isPythonMetadata(f.path)) {
      const facts = pythonFacts(f.path, opts.python);
      for (const p of facts?.providers ?? []) b.providers.add(p);
      for (const d of facts?.depends ?? []) b.depends.add(d);
    }
  }
  for (const b of buckets.values()) for (const p of b.providers) b.depends.delete(p);
  return buckets;
}

async function analyzeElf(f: CollectedFile, info: ElfInfo, b: Bucket, opts: Ctx): Promise<void> {
  const isa = info.isa;
  const dir = dirname(f.path);
  const name = basename(f.path);
  if (name.includes('.so')) {
    const soname = info.soname ?? name;
    const rel = dir === '/usr/lib' || dir === '/usr/lib32' ? undefined : libRelative(dir);
    b.providers.add(`soname(${rel ? `${rel}/` : ''}${soname}(${isa}))`);
  }
  const searchDirs = [dir, ...info.runpath, ...info.rpath].map((d) =>
    // $ORIGIN and ${ORIGIN} are the object's own directory (ld.so(8)).
    posix.normalize(d.replace(/\$(\{ORIGIN\}|ORIGIN)/g, dir)),
  );
  for (const lib of info.needed) {
    let dep = lib;
    for (const d of searchDirs) {
      const candidate = posix.join(d, lib);
      if (
        existsIn(opts.seen, join(opts.installDir, candidate)) ||
        existsIn(opts.seen, join(opts.buildRoot, candidate))
      ) {
        dep = libRelative(candidate) ?? lib;
        break;
      }
    }
    b.depends.add(`soname(${dep}(${isa}))`);
  }
  if (info.interpreter) b.depends.add(`interpreter(${info.interpreter}(${isa}))`);
}

async function analyzePkgConfig(f: CollectedFile, b: Bucket, opts: Ctx, is32: boolean): Promise<void> {
  const stem = basename(f.path, '.pc');
  b.providers.add(`${is32 ? 'pkgconfig32' : 'pkgconfig'}(${stem})`);
  let text: string;
  try {
    text = await readFile(f.hostPath, 'utf8');
  } catch {
    return; // a dangling .pc symlink provides the name but requires nothing we can read
  }
  for (const dep of pkgConfigRequires(text)) {
    const beside = posix.join(dirname(f.path), `${dep}.pc`);
    const lib32 = `/usr/lib32/pkgconfig/${dep}.pc`;
    const as32 =
      is32 &&
      (existsIn(opts.seen, join(opts.installDir, beside)) ||
        existsIn(opts.seen, join(opts.installDir, lib32)) ||
        existsIn(opts.seen, join(opts.buildRoot, lib32)));
    b.depends.add(`${as32 ? 'pkgconfig32' : 'pkgconfig'}(${dep})`);
  }
}
