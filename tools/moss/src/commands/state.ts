import { type Command, type CommandContext, EXIT, flagInt, positionalInt } from '@serpent/cli';
import { SerpentError, UsageError } from '@serpent/errors';
import type { PruneResult, StateSummary, VerifyIssue } from '@serpent/system';
import { exportCommand } from './state-export.js';
import { withRoot, yes } from './with-root.js';

/** ISO 8601 in UTC, to the second: the same text in every locale and time zone. */
const when = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A state as lines (its summary and description are shown one line each, escapes visible). */
const stateLines = (s: StateSummary): string[] => [
  `State #${s.id} - ${s.summary ?? 'system transaction'}${s.active ? ' (active)' : s.tree ? '' : ' (tree recycled: activating it rebuilds it)'}`,
  `Created: ${when(s.created)}`,
  ...(s.description ? [`Description: ${s.description}`] : []),
  `Packages: ${s.packages}`,
];

const stateJson = (s: StateSummary) => ({
  ...s,
  summary: s.summary ?? null,
  description: s.description ?? null,
  created: s.created.toISOString(),
});

const list: Command = {
  name: 'list',
  summary: 'List every state, newest first, marking the active one',
  examples: [['moss state list', 'id, summary, time (UTC), package count and tree of each state']],
  run: (ctx) =>
    withRoot(ctx, async (root, report) => {
      const states = await root.states.list();
      report.result(states.map(stateJson), () => states.flatMap((st) => [...stateLines(st), '']));
    }),
};

const active: Command = {
  name: 'active',
  summary: 'Show the active state',
  run: (ctx) =>
    withRoot(ctx, async (root, report) => {
      const s = await root.states.active();
      report.result(s ? stateJson(s) : null, s ? stateLines(s) : 'No state is active in this root');
    }),
};

/** A state id argument (the synopsis makes sure there is one). */
const stateId = (text: string, command: string) =>
  positionalInt(text, 'a state id', command, '`moss state list` shows them');

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
    const id = stateId(ctx.args.positionals[0]!, 'moss state activate');
    return withRoot(ctx, async (root, report) => {
      const r = await root.states.activate(id, { skipTriggers: ctx.args.flags['skip-triggers'] === true });
      const archived = r.previousStateId !== null ? ` (${r.previousStateId} archived)` : '';
      report.result({ active: id, archived: r.previousStateId }, `State ${id} activated${archived}`);
    });
  },
};

const freed = (r: PruneResult) =>
  `${r.packagesRemoved} package(s) no state uses, ${r.assetsRemoved} asset(s) and ${r.downloadsRemoved} download(s)${r.treesRemoved > 0 ? `, and ${r.treesRemoved} archived tree(s) beyond those kept (rebuilt if activated)` : ''}; ${(r.bytesFreed / 1048576).toFixed(1)} MiB freed`;

/** With no state to remove, prune still reclaims what a failed install left: say what. */
const pruned = (r: PruneResult) =>
  r.statesRemoved > 0
    ? `Removed ${r.statesRemoved} state(s), ${freed(r)}`
    : r.packagesRemoved + r.assetsRemoved + r.downloadsRemoved + r.treesRemoved === 0
      ? 'No states to remove'
      : `No states to remove; removed ${freed(r)}`;

/** prune and remove: show what goes, ask, remove, say what was freed. */
function removeStates(ctx: CommandContext, which: { keep: number } | { ids: number[] }) {
  return withRoot(ctx, async (root, report) => {
    const confirm = async (plan: { states: readonly StateSummary[] }) => {
      report.line([
        'The following state(s) will be removed:',
        ...plan.states.map((s) => `  State ${s.id} - ${s.summary ?? 'system transaction'}`),
        '',
      ]);
      await report.confirm('Do you wish to continue?', yes(ctx));
    };
    const r =
      'ids' in which
        ? await root.states.remove(which.ids, { confirm })
        : await root.states.prune({ keep: which.keep, confirm });
    report.result({ ...r, states: r.states.map(stateJson) }, pruned(r));
  });
}

const prune: Command = {
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
    return removeStates(ctx, { keep });
  },
};

const remove: Command = {
  name: 'remove',
  summary: 'Remove the given states (never the active one)',
  synopsis: 'ID...',
  examples: [['moss state remove 2 3', 'remove states 2 and 3']],
  async run(ctx) {
    return removeStates(ctx, { ids: ctx.args.positionals.map((p) => stateId(p, 'moss state remove')) });
  },
};

/** One issue a line, named by path and package (an asset: every path that uses it). */
const issueText = (i: VerifyIssue) =>
  'hash' in i
    ? ` × ${i.kind}: ${i.hash}, used by ${i.usedBy.map((u) => `${u.path} (${u.package})`).join(', ') || 'no installed file'}`
    : ` × ${i.kind}: ${i.path} (${i.package}, state ${i.state})`;

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
  run: (ctx) =>
    withRoot(ctx, async (root, report) => {
      const found = await root.states.verify();
      const { issues } = found;
      report.line(`Checked ${found.assetsChecked} assets and ${found.pathsChecked} paths`);
      report.line(
        issues.length === 0
          ? 'No issues found'
          : [`Found ${issues.length} issue(s)`, ...issues.map(issueText)],
      );
      if (issues.length > 0 && !ctx.args.flags.repair) {
        report.result(found, `Run \`moss -D ${root.path} state verify --repair\` to fix them`);
        return EXIT.failure;
      }
      if (issues.length === 0) {
        report.result(found);
        return EXIT.ok;
      }
      await report.confirm('Fixing issues changes the system. Do you wish to continue?', yes(ctx));
      const after = await root.states.repair(found);
      if (after.issues.length > 0) {
        throw new SerpentError(
          'VERIFY_ISSUES_REMAIN',
          `${after.issues.length} issue(s) remain after repair:\n${after.issues.map(issueText).join('\n')}`,
          { hint: 'the stones these packages came from may be gone: install them again' },
        );
      }
      report.result({ found, after }, 'All issues resolved');
    }),
};

export const stateCommand: Command = {
  name: 'state',
  summary: 'Manage system states: list, activate (rollback), prune, verify, export',
  subcommands: [list, active, activate, prune, remove, verify, exportCommand],
};
