import type { PatternMatch } from '@serpent/fnmatch';
import { orderTriggers } from './order-triggers.js';
import type { Handler, PathRule, Trigger, TriggerCommand, TriggerPath, TriggerScope } from './trigger.js';

const VARIABLE = /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;

/**
 * Replaces each `$(name)` with the captured text, in one pass: a captured value that itself
 * contains `$(x)` is not substituted again. Unknown names stay as written, like upstream.
 */
function substitute(text: string, vars: PatternMatch): string {
  if (!text.includes('$(')) return text;
  return text.replace(VARIABLE, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name]! : whole));
}

/** Run before delete, then program and arguments compared element by element (code units). */
function compareCommands(a: TriggerCommand, b: TriggerCommand): number {
  if (a.kind !== b.kind) return a.kind === 'run' ? -1 : 1;
  const x = a.kind === 'run' ? a.argv : a.paths;
  const y = b.kind === 'run' ? b.argv : b.paths;
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i]! !== y[i]!) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * One anchored RegExp of the active rules' literal prefixes (`^(?:/usr/lib/modules/|...)`):
 * most paths of a `/usr` start with none of them and are dropped with a single test instead of
 * one per rule (both scopes over 300,000 recipe paths: 30 ms with the gate, 75 ms without,
 * measured). Undefined when some rule has no literal prefix (then every path is a candidate).
 */
function gateFor(rules: readonly Rule[]): RegExp | undefined {
  const prefixes = new Set(rules.map((r) => r.rule.pattern.literalPrefix));
  if (prefixes.has('') || prefixes.size === 0) return undefined;
  const escaped = [...prefixes].map((p) => p.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'));
  return new RegExp(`^(?:${escaped.join('|')})`, 'u');
}

interface Rule {
  readonly trigger: number;
  readonly rule: PathRule;
  readonly handlers: readonly (readonly [string, Handler])[];
  /** A pattern without captures always yields the same commands: after one hit it is done. */
  readonly constant: boolean;
  done: boolean;
}

/**
 * The commands the triggers of `scope` ask for, given every path of the new `/usr` (a full
 * listing, not a diff, like upstream: ldconfig runs on every transaction that has libraries).
 *
 * A path fires a rule when its pattern matches and, if the rule has `type:`, the path is of
 * that kind. Each hit handler gives one command with `$(var)` substituted; identical commands
 * within one trigger are kept once (two triggers asking for the same command both get it, at
 * their own place in the order). Triggers come in `orderTriggers` order; a trigger's commands
 * run before delete, then sorted by argv, so the result does not depend on the path order.
 * Throws `TRIGGERS_CYCLE` when the before/after references of the scope's triggers loop.
 */
export function collectCommands(
  triggers: readonly Trigger[],
  paths: Iterable<TriggerPath>,
  scope: TriggerScope,
): TriggerCommand[] {
  const ordered = orderTriggers(triggers.filter((t) => t.scope === scope));
  const rules: Rule[] = [];
  ordered.forEach((t, i) => {
    for (const rule of t.paths) {
      rules.push({
        trigger: i,
        rule,
        handlers: rule.handlers.map((h) => [h, t.handlers.get(h)!] as const),
        constant: rule.pattern.groups.length === 0,
        done: false,
      });
    }
  });
  const hits = ordered.map(() => new Map<string, TriggerCommand>());
  let active = rules.filter((r) => r.handlers.length > 0);
  let gate = gateFor(active);

  for (const { path, type } of paths) {
    if (active.length === 0) break;
    if (gate !== undefined && !gate.test(path)) continue;
    let finished = false;
    for (const r of active) {
      if (r.rule.type !== undefined && r.rule.type !== type) continue;
      const vars = r.rule.pattern.match(path);
      if (vars === null) continue;
      const t = ordered[r.trigger]!;
      const seen = hits[r.trigger]!;
      for (const [handler, h] of r.handlers) {
        const command: TriggerCommand =
          h.kind === 'run'
            ? {
                kind: 'run',
                trigger: t.name,
                scope,
                handler,
                argv: [substitute(h.run, vars), ...h.args.map((a) => substitute(a, vars))],
              }
            : {
                kind: 'delete',
                trigger: t.name,
                scope,
                handler,
                paths: h.paths.map((p) => substitute(p, vars)),
              };
        const key = `${command.kind}\0${(command.kind === 'run' ? command.argv : command.paths).join('\0')}`;
        if (!seen.has(key)) seen.set(key, command);
      }
      if (r.constant) {
        r.done = true;
        finished = true;
      }
    }
    if (finished) {
      active = active.filter((r) => !r.done);
      gate = gateFor(active);
    }
  }

  return hits.flatMap((m) => [...m.values()].sort(compareCommands));
}
