import { type CommandContext, EXIT } from '@serpent/cli';
import type { CommitResult, Plan, PlanRequest } from '@serpent/system';
import { planLines } from '../render/plan-lines.js';
import { withRoot, yes } from './with-root.js';

/**
 * install, remove and sync: plan, show the plan, ask, commit, say what is live now. `done`
 * words the text result; --json gets `{ plan, result }`.
 */
export function runChange(
  ctx: CommandContext,
  request: PlanRequest,
  done: (plan: Plan, result: CommitResult) => string,
  nothing: (plan: Plan) => string,
): Promise<number> {
  return withRoot(ctx, async (root, report) => {
    const plan = await root.plan(request);
    if (plan.empty) {
      report.result({ plan, result: null }, nothing(plan));
      return EXIT.ok;
    }
    report.line(planLines(plan, ctx.io.columns));
    report.line('');
    await report.confirm('Do you wish to continue?', yes(ctx));
    const result = await root.commit(plan);
    report.result({ plan, result }, done(plan, result));
    return EXIT.ok;
  });
}
