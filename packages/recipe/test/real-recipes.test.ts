import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expandRecipe,
  listMacros,
  loadMacros,
  loadRecipe,
  type MacroSet,
  tokenizeMacros,
} from '../src/index.js';
import { allRecipes, recipeFile, recipesMissing } from './shared-fixtures.js';

let macros: MacroSet;
beforeAll(async () => {
  macros = await loadMacros();
});

describe.skipIf(recipesMissing !== undefined)('the 120 real recipes', () => {
  const ids = allRecipes();

  it('are all there', () => {
    expect(ids.length).toBe(120);
  });

  it('all load and expand, every target and PGO stage, with no unknown macro', async () => {
    const failures: string[] = [];
    let jobs = 0;
    for (const id of ids) {
      try {
        const { recipe } = await loadRecipe(recipeFile(id));
        const x = expandRecipe(recipe, macros, { jobs: 4, sourceDateEpoch: 1 });
        jobs += x.jobs.length;
        for (const j of x.jobs)
          for (const p of j.phases) expect(p.script.startsWith('#!/bin/sh\nset -e\n')).toBe(true);
      } catch (e) {
        failures.push(`${id}: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    // 10 emul32 recipes add a target, 4 with a workload add PGO stages.
    expect(jobs).toBeGreaterThan(130);
  });

  // Serpent's /bin/sh is bash and recipes rely on it (l/llvm uses `[[ ]]`), so bash parses them.
  it.skipIf(spawnSync('bash', ['-c', 'true']).status !== 0)(
    'expand to scripts bash can parse (bash -n), all of them',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'recipe-sh-'));
      try {
        const bad: string[] = [];
        for (const id of ids) {
          const { recipe } = await loadRecipe(recipeFile(id));
          for (const j of expandRecipe(recipe, macros, { jobs: 4 }).jobs) {
            for (const p of j.phases) {
              const f = join(dir, 'script.sh');
              writeFileSync(f, p.script);
              const r = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
              if (r.status !== 0) bad.push(`${id} ${j.target} ${j.stage} ${p.name}: ${r.stderr.trim()}`);
            }
          }
        }
        expect(bad).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.skipIf(spawnSync('bash', ['-c', 'true']).status !== 0)(
    'give shell profiles bash can parse, for every job',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'recipe-profile-'));
      try {
        const bad: string[] = [];
        for (const id of ids) {
          const { recipe } = await loadRecipe(recipeFile(id));
          for (const j of expandRecipe(recipe, macros, { jobs: 4, shellProfiles: true }).jobs) {
            const f = join(dir, 'profile');
            writeFileSync(f, j.shellProfile!);
            const r = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
            if (r.status !== 0) bad.push(`${id} ${j.target} ${j.stage}: ${r.stderr.trim()}`);
          }
        }
        expect(bad).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('use only macros the data defines (the vocabulary is covered)', () => {
    const listing = listMacros(macros);
    const actions = new Set(listing.actions.map((a) => a.name));
    const defs = new Set(listing.definitions.map((d) => d.name));
    const missing = new Set<string>();
    for (const id of ids) {
      for (const t of tokenizeMacros(readFileSync(recipeFile(id), 'utf8'))) {
        if (t.kind === 'action' && !actions.has(t.name)) missing.add(`%${t.name}`);
        if (t.kind === 'definition' && !defs.has(t.name)) missing.add(`%(${t.name})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('report the unknown `tune:` key of two recipes as warnings with its line', async () => {
    const warned: string[] = [];
    for (const id of ids) {
      const { warnings } = await loadRecipe(recipeFile(id));
      for (const w of warnings)
        if (w.message.startsWith('unknown key')) warned.push(`${id}:${w.line}: ${w.message}`);
    }
    expect(warned).toEqual([
      'i/iptables:39: unknown key `tune` (ignored)',
      'l/libnl:29: unknown key `tune` (ignored)',
    ]);
  });
});

describe('the shipped macro data', () => {
  it('expands every definition and action on every target and toolchain', () => {
    for (const target of ['x86_64', 'emul32/x86_64']) {
      for (const toolchain of ['llvm', 'gnu'] as const) {
        const l = listMacros(macros, target, toolchain);
        expect(l.actions.length).toBeGreaterThanOrEqual(50);
        expect(l.definitions.length).toBeGreaterThanOrEqual(80);
        for (const d of l.definitions)
          expect(d.expansion).not.toMatch(
            /%\((?!name\)|version\)|release\)|jobs\)|workdir\)|sourcedateepoch\))/,
          );
      }
    }
  });

  it('gives every action a description and an example', () => {
    for (const a of listMacros(macros).actions) {
      expect(a.description.length).toBeGreaterThan(5);
      expect(
        a.example ?? (a.name === 'scriptBase' || a.name === 'cargo_set_environment' ? 'internal' : ''),
      ).not.toBe('');
    }
  });
});
