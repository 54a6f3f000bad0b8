import { type CommandContext, formatColumns } from '@serpent/cli';
import { type CommitResult, type Plan, type PlanRequest, planSummary } from '@serpent/system';
import { withRoot, yes } from './with-root.js';

/** A plan's sections: `Title:`, then package labels in columns or one item a line, indented. */
const planLines = (plan: Plan, width: number) =>
  planSummary(plan).flatMap((s) => [
    `${s.title}:`,
    // formatColumns shows each cell on one line, so its lines are lines.
    ...(s.columns
      ? formatColumns(s.items, width).replace(/\n$/, '').split('\n')
      : s.items.map((i) => `  ${i}`)),
  ]);

/**
 * install, remove and sync: plan, show the plan, ask, commit, say what is live now. `done`
 * words the text result; --json gets `{ plan, result }`.
 */
export function runChange(
  ctx: CommandContext,
  request: PlanRequest,
  done: (plan: Plan, result: CommitResult) => string,
  nothing: (plan: Plan) => string,
): Promise<void> {
  return withRoot(ctx, async (root, report) => {
    const plan = await root.plan(request);
    if (plan.empty) {
      report.result({ plan, result: null }, nothing(plan));
      return;
    }
    report.line(planLines(plan, ctx.io.columns));
    report.line('');
    await report.confirm('Do you wish to continue?', yes(ctx));
    const result = await root.commit(plan);
    report.result({ plan, result }, done(plan, result));
  });
}
