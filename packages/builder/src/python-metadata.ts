import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { CollectedFile } from './collect.js';
import { type PhaseContext, runPhase } from './phase-runner.js';
import { GUEST } from './workspace.js';

/** One installed distribution (`*.dist-info` or `*.egg-info`). */
export interface PythonDist {
  /** `Name` of its metadata, lower-cased as the original boulder does. */
  readonly name: string;
  /** Requirement names (lower-cased) that apply on this build root, without extras. */
  readonly requires: readonly string[];
}

/** What the build root's python3 said about the installed distributions. */
export interface PythonMetadata {
  /** `X.Y` of the build root's python3. */
  readonly version?: string;
  /** By the distribution directory's path, e.g. `/usr/lib/python3.11/site-packages/foo-1.0.dist-info`. */
  readonly dists: ReadonlyMap<string, PythonDist>;
}

/** The metadata files that make a path a Python distribution (the original's two). */
export function isPythonMetadata(path: string): boolean {
  return /\.dist-info\/METADATA$|\.egg-info\/PKG-INFO$/.test(path);
}

/**
 * Runs in the build root's python3 (its own version, markers and packaging): for each
 * distribution dir, its Name and the requirements whose markers hold here with no extra
 * selected. `packaging` parses them; without it, pip's or setuptools' vendored copy does.
 */
const HELPER = `import json, re, sys
from importlib.metadata import PathDistribution
from pathlib import Path
Requirement = None
for mod in ("packaging.requirements", "pip._vendor.packaging.requirements", "setuptools._vendor.packaging.requirements"):
    try:
        Requirement = __import__(mod, fromlist=["Requirement"]).Requirement
        break
    except Exception:
        pass
out = {"version": "%d.%d" % sys.version_info[:2], "dists": {}, "unevaluated": []}
for d in sys.argv[2:]:
    dist = PathDistribution(Path(d))
    names = []
    for r in dist.requires or []:
        if Requirement is None:
            if ";" in r:
                out["unevaluated"].append(r)
            else:
                names.append(re.match(r"[A-Za-z0-9._-]+", r.strip()).group(0))
            continue
        req = Requirement(r)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            names.append(req.name)
    out["dists"][d] = {"name": dist.metadata["Name"], "requires": names}
with open(sys.argv[1], "w") as f:
    json.dump(out, f)
`;

/**
 * The `python()` facts of the installed distributions, from the build root's own python3 (one
 * extra container run, only when the install has any). Without python3 there, the names come
 * from the metadata files and the version from their `/usr/lib/pythonX.Y/` path; the
 * requirements are then unknown and a warning says so.
 */
export async function readPythonMetadata(
  ctx: PhaseContext,
  files: readonly CollectedFile[],
): Promise<PythonMetadata | undefined> {
  const dirs = [...new Set(files.filter((f) => isPythonMetadata(f.path)).map((f) => dirname(f.path)))].sort();
  if (dirs.length === 0) return undefined;
  const job = ctx.plan.targets.at(-1)!;
  await writeFile(join(ctx.ws.scripts, 'python-metadata.py'), HELPER);
  const result = `${GUEST.build}/.python-metadata.json`;
  const args = dirs.map((d) => `'${GUEST.install}${d.replaceAll("'", `'\\''`)}'`).join(' ');
  await runPhase(ctx, {
    name: 'python',
    script: `command -v python3 >/dev/null || exit 0\npython3 ${GUEST.scripts}/python-metadata.py ${result} ${args}\n`,
    target: job.target,
    stage: 'none',
    cwd: GUEST.install,
  });
  const text = await readFile(join(ctx.ws.build, '.python-metadata.json'), 'utf8').catch(() => undefined);
  if (text === undefined) {
    ctx.emit({
      type: 'warning',
      message:
        'no python3 in the build root: python() providers from the metadata files only, no dependencies',
      paths: dirs,
    });
    return fromFiles(files, dirs);
  }
  const doc = JSON.parse(text) as {
    version: string;
    dists: Record<string, { name: string; requires: string[] }>;
    unevaluated: string[];
  };
  if (doc.unevaluated.length > 0) {
    ctx.emit({
      type: 'warning',
      message: 'the build root’s python3 has no packaging module: requirements with markers were left out',
      paths: doc.unevaluated,
    });
  }
  const dists = new Map<string, PythonDist>();
  for (const [guest, d] of Object.entries(doc.dists)) {
    dists.set(guest.slice(GUEST.install.length), {
      name: d.name.toLowerCase(),
      requires: d.requires.map((r) => r.toLowerCase()),
    });
  }
  return { version: doc.version, dists };
}

async function fromFiles(files: readonly CollectedFile[], dirs: readonly string[]): Promise<PythonMetadata> {
  const dists = new Map<string, PythonDist>();
  for (const f of files) {
    if (!isPythonMetadata(f.path) || !dirs.includes(dirname(f.path))) continue;
    const name = /^Name:\s*(\S+)/m.exec(await readFile(f.hostPath, 'utf8'))?.[1];
    if (name) dists.set(dirname(f.path), { name: name.toLowerCase(), requires: [] });
  }
  return { dists };
}

/** `python(name)`, `python(name(X.Y))` and the dependencies of one metadata file. */
export function pythonFacts(
  path: string,
  meta: PythonMetadata,
): { providers: string[]; depends: string[] } | undefined {
  const dist = meta.dists.get(posix.dirname(path));
  if (!dist) return undefined;
  const version = meta.version ?? /^\/usr\/lib\/python(\d+\.\d+)\//.exec(path)?.[1];
  if (!version) return { providers: [`python(${dist.name})`], depends: [] };
  return {
    providers: [`python(${dist.name})`, `python(${dist.name}(${version}))`],
    depends: dist.requires.map((r) => `python(${r}(${version}))`),
  };
}
