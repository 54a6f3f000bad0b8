import { existsSync } from 'node:fs';
import { type Command, type CommandContext, confirm, EXIT, flagInt } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import {
  activateState,
  commitPrune,
  type Installation,
  planPrune,
  repairState,
  verifyState,
} from '@serpent/system';
import { withRoot } from './open-root.js';

function stateJson(inst: Installation, id: number) {
  const s = inst.dbs.state.getState(id);
  if (!s) return undefined;
  return {
    id: s.id,
    summary: s.summary ?? null,
    description: s.description ?? null,
    created: s.created.toISOString(),
    packages: s.selections.length,
    active: inst.activeStateId() === s.id,
    // Whether its /usr tree is on disk: activating it is one swap (else it is made again).
    tree: inst.activeStateId() === s.id || existsSync(inst.layout.stateUsr(s.id)),
  };
}

function printState(ctx: CommandContext, inst: Installation, id: number): void {
  const s = stateJson(inst, id);
  if (!s) return;
  ctx.io.stdout(
    `State #${s.id} - ${s.summary ?? 'system transaction'}${s.active ? ' (active)' : s.tree ? '' : ' (tree recycled: activating it rebuilds it)'}\n` +
      `Created: ${new Date(s.created).toLocaleString('en-GB', { timeZoneName: 'short' })}\n` +
      (s.description ? `Description: ${s.description}\n` : '') +
      `Packages: ${s.packages}\n\n`,
  );
}

const list: Command = {
  name: 'list',
  summary: 'List every state, newest first, marking the active one',
  examples: [['moss state list', 'id, summary, time and package count of each state']],
  async run(ctx) {
    return withRoot(ctx, async (inst) => {
      const ids = inst.dbs.state
        .listStates()
        .map((s) => s.id)
        .sort((a, b) => b - a);
      if (ctx.globals.json === true)
        ctx.io.stdout(
          `${JSON.stringify(
            ids.map((id) => stateJson(inst, id)),
            null,
            2,
          )}\n`,
        );
      else for (const id of ids) printState(ctx, inst, id);
      return EXIT.ok;
    });
  },
};

const active: Command = {
  name: 'active',
  summary: 'Show the active state',
  async run(ctx) {
    return withRoot(ctx, async (inst) => {
      const id = inst.activeStateId();
      if (ctx.globals.json === true)
        ctx.io.stdout(`${JSON.stringify(id === undefined ? null : stateJson(inst, id), null, 2)}\n`);
      else if (id === undefined) ctx.io.stdout('No state is active in this root\n');
      else printState(ctx, inst, id);
      return EXIT.ok;
    });
  },
};

function stateId(text: string | undefined, command: string): number {
  if (text === undefined || !/^\d+$/.test(text)) {
    throw new UsageError(
      `${command}: a state id (a number) is needed${text ? `, not "${text}"` : ''}`,
      '`moss state list` shows them',
    );
  }
  return Number(text);
}

const activate: Command = {
  name: 'activate',
  summary:
    'Make an earlier state live again (rollback), atomically: one swap when its tree is kept, else its tree is made again first',
  synopsis: 'ID',
  flags: { 'skip-triggers': { description: 'Do not run system triggers after the swap' } },
  examples: [
    ['moss state activate 3', 'roll back to state 3; the current state stays archived'],
    ['moss state list', 'which states have a tree ready (the others are rebuilt when activated)'],
  ],
  async run(ctx) {
    const id = stateId(ctx.args.positionals[0], 'moss state activate');
    return withRoot(ctx, async (inst, r) => {
      const { previousId } = await activateState(inst, id, {
        onEvent: r.onEvent,
        skipTriggers: ctx.args.flags['skip-triggers'] === true,
      });
      if (ctx.globals.json === true)
        ctx.io.stdout(`${JSON.stringify({ active: id, archived: previousId })}\n`);
      else ctx.io.stdout(`State ${id} activated${previousId !== null ? ` (${previousId} archived)` : ''}\n`);
      return EXIT.ok;
    });
  },
};

async function prune(ctx: CommandContext, opts: { keep?: number; ids?: number[] }): Promise<number> {
  return withRoot(ctx, async (inst, r) => {
    const plan = planPrune(inst, opts);
    if (plan.states.length === 0) {
      ctx.io.stdout('No states to remove\n');
      return EXIT.ok;
    }
    if (ctx.globals.json !== true) {
      ctx.io.stdout(
        `The following state(s) will be removed:\n${plan.states.map((s) => `  State ${s.id} - ${s.summary ?? 'system transaction'}\n`).join('')}\n`,
      );
    }
    await confirm(ctx.io, 'Do you wish to continue?', ctx.globals['yes-all'] === true);
    const res = await commitPrune(inst, plan, { onEvent: r.onEvent });
    if (ctx.globals.json === true) ctx.io.stdout(`${JSON.stringify(res)}\n`);
    else
      ctx.io.stdout(
        `Removed ${res.statesRemoved} state(s), ${res.packagesRemoved} package(s) no state uses, ${res.assetsRemoved} asset(s) and ${res.downloadsRemoved} download(s)${res.treesRemoved > 0 ? `, and ${res.treesRemoved} archived tree(s) beyond those kept (rebuilt if activated)` : ''}; ${(res.bytesFreed / 1048576).toFixed(1)} MiB freed\n`,
      );
    return EXIT.ok;
  });
}

const pruneCommand: Command = {
  name: 'prune',
  summary: 'Remove old states and whatever only they used; reports the space freed',
  flags: {
    keep: {
      short: 'k',
      value: true,
      placeholder: 'N',
      description: 'States to keep, the active one included (default 10)',
    },
  },
  examples: [['moss state prune --keep 2', 'keep the active state and the one before it']],
  async run(ctx) {
    const keep = flagInt(ctx.args, 'keep', 10, 'moss state prune');
    if (keep < 1) throw new UsageError('moss state prune: --keep must be at least 1 (the active state)');
    return prune(ctx, { keep });
  },
};

const remove: Command = {
  name: 'remove',
  summary: 'Remove the given states (never the active one)',
  synopsis: 'ID...',
  examples: [['moss state remove 2 3', 'remove states 2 and 3']],
  async run(ctx) {
    if (ctx.args.positionals.length === 0)
      throw new UsageError(
        'moss state remove: which states?',
        'give state ids, e.g. `moss state remove 2 3`',
      );
    return prune(ctx, { ids: ctx.args.positionals.map((p) => stateId(p, 'moss state remove')) });
  },
};

const verify: Command = {
  name: 'verify',
  summary: 'Re-hash the store and check the live /usr; --repair fixes what is wrong',
  flags: {
    repair: { description: 'Restore missing or altered assets and files (re-blits the active state)' },
  },
  examples: [
    ['moss state verify', 'report problems only'],
    ['moss state verify --repair -y', 'and fix them'],
  ],
  async run(ctx) {
    return withRoot(ctx, async (inst, r) => {
      const report = await verifyState(inst, { onEvent: r.onEvent });
      if (ctx.globals.json === true) ctx.io.stdout(`${JSON.stringify(report)}\n`);
      else {
        ctx.io.stdout(`Checked ${report.assetsChecked} assets and ${report.pathsChecked} paths\n`);
        if (report.issues.length === 0) ctx.io.stdout('No issues found\n');
        else {
          ctx.io.stdout(`Found ${report.issues.length} issue(s)\n`);
          for (const i of report.issues)
            ctx.io.stdout(` × ${i.kind}: ${'hash' in i ? i.hash : `${i.path} (state ${i.state})`}\n`);
        }
      }
      if (report.issues.length === 0) return EXIT.ok;
      if (!ctx.args.flags.repair) {
        if (ctx.globals.json !== true) ctx.io.stdout('Run `moss state verify --repair` to fix them\n');
        return EXIT.failure;
      }
      await confirm(
        ctx.io,
        'Fixing issues changes the system. Do you wish to continue?',
        ctx.globals['yes-all'] === true,
      );
      await repairState(inst, report, { onEvent: r.onEvent });
      const again = await verifyState(inst);
      if (again.issues.length > 0) {
        ctx.io.stderr(`error: ${again.issues.length} issue(s) remain after repair\n`);
        return EXIT.failure;
      }
      if (ctx.globals.json !== true) ctx.io.stdout('All issues resolved\n');
      return EXIT.ok;
    });
  },
};

export const stateCommand: Command = {
  name: 'state',
  summary: 'Manage system states: list, activate (rollback), prune, verify',
  subcommands: [list, active, activate, pruneCommand, remove, verify],
};
