import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MacroFile, parseMacroFile } from './macro-file.js';

/** Every macro file: arch files by id (`base`, `x86_64`, `emul32/x86_64`) and action files. */
export interface MacroSet {
  readonly arch: ReadonlyMap<string, MacroFile>;
  /** Sorted by id, so overrides do not depend on directory order (they do in the original). */
  readonly actions: readonly MacroFile[];
}

/** The macro data shipped in this package (`data/macros`). */
export const DEFAULT_MACRO_DIR = fileURLToPath(new URL('../data/macros', import.meta.url));

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) for (const f of await yamlFiles(p)) out.push(f);
    else if (e.name.endsWith('.yaml')) out.push(p);
  }
  return out.sort();
}

/** Loads `<dir>/arch/**.yaml` and `<dir>/actions/**.yaml`. */
export async function loadMacros(dir: string = DEFAULT_MACRO_DIR): Promise<MacroSet> {
  const read = async (sub: string) =>
    Promise.all(
      (await yamlFiles(join(dir, sub))).map(async (f) =>
        parseMacroFile(await readFile(f, 'utf8'), relative(join(dir, sub), f).replace(/\.yaml$/, '')),
      ),
    );
  const [arch, actions] = await Promise.all([read('arch'), read('actions')]);
  return { arch: new Map(arch.map((f) => [f.id, f])), actions };
}
