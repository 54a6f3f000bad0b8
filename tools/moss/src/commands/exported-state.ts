import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type CommandContext, confirm, EXIT, formatColumns } from '@serpent/cli';
import { SerpentError } from '@serpent/errors';
import { type Lock, parseLock, parseModel, type SystemModel } from '@serpent/state-export';
import {
  checkInstallTarget,
  commitLock,
  commitLockTo,
  commitModel,
  type Installation,
  planLock,
  planModel,
  repositoryFetcher,
} from '@serpent/system';
import { withRoot } from './open-root.js';

// `moss sync --lock`, `moss sync --model`, `moss install --to DIR --lock`: thin wiring of the
// engine's planLock/commitLock and planModel/commitModel, with the usual summary and prompt.

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
/** What a lock names as its writer. */
export const GENERATOR = `moss ${pkg.version}`;

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(resolve(file), 'utf8');
  } catch (err) {
    throw new SerpentError('MOSS_FILE_UNREADABLE', `cannot read the ${what} ${file}`, {
      hint: `give the path of a ${what} (\`moss state export${what === 'lock' ? '' : ' --model'} -o FILE\` writes one)`,
      details: { file },
      cause: err,
    });
  }
}

export async function readLockFile(file: string): Promise<Lock> {
  return parseLock(await readText(file, 'lock'), file);
}

export async function readModelFile(file: string): Promise<SystemModel> {
  return parseModel(await readText(file, 'system model'), file);
}

const label = (m: { name: string; version: string; release: number }) =>
  `${m.name} ${m.version}-${m.release}`;

function section(ctx: CommandContext, title: string, lines: readonly string[]): void {
  if (lines.length > 0) ctx.io.stdout(`${title}:\n${formatColumns(lines, ctx.io.columns)}`);
}

/** `moss sync --lock FILE`: the system becomes exactly the lock, in one transaction. */
export function syncToLock(ctx: CommandContext, file: string): Promise<number> {
  const { globals, io } = ctx;
  return withRoot(ctx, async (inst, r) => {
    const lock = await readLockFile(file);
    const prepared = await planLock(inst, lock, { source: file, onEvent: r.onEvent });
    const { plan } = prepared;
    if (plan.unchanged) {
      if (globals.json === true)
        io.stdout(`${JSON.stringify({ state: inst.activeStateId() ?? null, unchanged: true })}\n`);
      else io.stdout(`The system already is ${file}\n`);
      return EXIT.ok;
    }
    if (globals.json !== true) {
      const changed = new Set(plan.change.map((c) => c.to.id));
      section(
        ctx,
        'Change',
        plan.change.map(
          (c) =>
            `${c.from.meta.name} ${c.from.meta.version}-${c.from.meta.release} → ${c.to.meta.version}-${c.to.meta.release}`,
        ),
      );
      section(
        ctx,
        'Install',
        plan.install.filter((c) => !changed.has(c.id)).map((c) => label(c.meta)),
      );
      const changedFrom = new Set(plan.change.map((c) => c.from.id));
      section(
        ctx,
        'Remove',
        plan.remove.filter((p) => !changedFrom.has(p.id)).map((p) => label(p.meta)),
      );
      section(
        ctx,
        'Explicit flag',
        plan.reflag.map(
          (p) => `${p.meta.name}: ${p.explicit ? 'explicit → dependency' : 'dependency → explicit'}`,
        ),
      );
      io.stdout('\n');
    }
    await confirm(io, 'Do you wish to continue?', globals['yes-all'] === true);
    const id = await commitLock(inst, prepared, {
      onEvent: r.onEvent,
      fetch: repositoryFetcher(inst, r.onEvent),
    });
    if (globals.json === true)
      io.stdout(
        `${JSON.stringify({ state: id, install: plan.install.length, remove: plan.remove.length, packages: lock.packages.length })}\n`,
      );
    else io.stdout(`State ${id} is active: the system is ${file} (${lock.packages.length} package(s))\n`);
    return EXIT.ok;
  });
}

/** `moss install --to DIR --lock FILE`: the lock's packages become DIR/usr. */
export function installLockTo(ctx: CommandContext, to: string, file: string): Promise<number> {
  const { globals, io } = ctx;
  return withRoot(ctx, async (inst: Installation, r) => {
    const lock = await readLockFile(file);
    const prepared = await planLock(inst, lock, { source: file, ignoreInstalled: true, onEvent: r.onEvent });
    checkInstallTarget(inst, to);
    if (globals.json !== true) {
      io.stdout(
        `The ${lock.packages.length} package(s) of ${file} will be installed into ${to}/usr:\n${formatColumns(
          prepared.plan.install.map((c) => label(c.meta)),
          io.columns,
        )}\n`,
      );
    }
    await confirm(io, 'Do you wish to continue?', globals['yes-all'] === true);
    const res = await commitLockTo(inst, prepared, to, {
      onEvent: r.onEvent,
      fetch: repositoryFetcher(inst, r.onEvent),
    });
    if (globals.json === true)
      io.stdout(
        `${JSON.stringify({ target: res.usr, entries: res.entries, packages: lock.packages.length })}\n`,
      );
    else
      io.stdout(
        `${res.usr}: ${lock.packages.length} package(s) of ${file}, ${res.entries} entries (no state recorded)\n`,
      );
    return EXIT.ok;
  });
}

/** `moss sync --model FILE`: install what the model is missing, remove what it does not need. */
export function syncToModel(ctx: CommandContext, file: string, update: boolean): Promise<number> {
  const { globals, io } = ctx;
  return withRoot(ctx, async (inst, r) => {
    const model = await readModelFile(file);
    const prepared = await planModel(inst, model, {
      update,
      onRefresh: (e) => {
        if (e.type === 'refreshed' && globals.json !== true)
          io.stderr(`Refreshed ${e.repo}: ${e.packages} package(s)\n`);
      },
    });
    const { plan, repositoryChanges } = prepared;
    if (prepared.unchanged) {
      if (globals.json === true)
        io.stdout(`${JSON.stringify({ state: inst.activeStateId() ?? null, unchanged: true })}\n`);
      else io.stdout(`The system already matches ${file}\n`);
      return EXIT.ok;
    }
    if (globals.json !== true) {
      section(
        ctx,
        'Install',
        plan.install.map((c) => label(c.meta)),
      );
      section(
        ctx,
        'Remove (not wanted or needed by the model)',
        plan.remove.map((p) => label(p.meta)),
      );
      section(
        ctx,
        'Explicit flag',
        plan.reflag.map(
          (p) => `${p.meta.name}: ${p.explicit ? 'explicit → dependency' : 'dependency → explicit'}`,
        ),
      );
      section(ctx, 'Repository configuration', [
        ...repositoryChanges.write.map((x) => `write ${x.id} (${x.uri})`),
        ...repositoryChanges.disable.map((id) => `disable ${id} (not in the model)`),
      ]);
      io.stdout('\n');
    }
    await confirm(io, 'Do you wish to continue?', globals['yes-all'] === true);
    const id = await commitModel(inst, prepared, {
      onEvent: r.onEvent,
      fetch: repositoryFetcher(inst, r.onEvent),
    });
    const state = id ?? inst.activeStateId() ?? null;
    if (globals.json === true) {
      io.stdout(
        `${JSON.stringify({
          state,
          install: plan.install.length,
          remove: plan.remove.length,
          repositoriesWritten: repositoryChanges.write.map((x) => x.id),
          repositoriesDisabled: repositoryChanges.disable,
        })}\n`,
      );
    } else if (id !== undefined) io.stdout(`State ${id} is active: the system matches ${file}\n`);
    else io.stdout(`The repository configuration matches ${file}\n`);
    return EXIT.ok;
  });
}
