import { UsageError } from '@serpent/errors';

/** One option, declared as data: the parser, the help text and the completions read it. */
export interface FlagDef {
  readonly short?: string;
  /** Takes a value (`--out DIR`); otherwise a switch. */
  readonly value?: boolean;
  /** May be given several times; the values are collected in order. */
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. `DIR`. */
  readonly placeholder?: string;
  readonly description: string;
}

export type FlagSpec = Readonly<Record<string, FlagDef>>;

export interface ParsedArgs {
  readonly flags: Readonly<Record<string, string | true | string[]>>;
  readonly positionals: readonly string[];
}

/**
 * Splits `args` into flags and positionals: `--x=v`, `--x v`, `-x v`, `-xyz` for switches,
 * `--` ends the options. An unknown flag or a missing value is a UsageError naming the
 * command, so the tool prints the right help.
 */
export function parseFlags(args: readonly string[], spec: FlagSpec, command: string): ParsedArgs {
  const flags: Record<string, string | true | string[]> = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [long, def] of Object.entries(spec)) if (def.short) byShort.set(def.short, long);
  const help = `see \`${command} --help\``;
  const set = (name: string, value: string | true) => {
    const def = spec[name]!;
    if (def.multiple && typeof value === 'string') {
      const prev = flags[name];
      flags[name] = Array.isArray(prev) ? [...prev, value] : [value];
    } else flags[name] = value;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      for (const rest of args.slice(i + 1)) positionals.push(rest);
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const def = spec[name];
      if (!def) throw new UsageError(`${command}: unknown option --${name}`, help);
      if (!def.value) {
        if (eq >= 0) throw new UsageError(`${command}: --${name} takes no value`, help);
        set(name, true);
        continue;
      }
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) throw new UsageError(`${command}: --${name} needs a value`, help);
      set(name, v);
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      // -abc: a cluster of switches, or one short option followed by its value.
      for (let j = 1; j < a.length; j++) {
        const name = byShort.get(a[j]!);
        if (!name) throw new UsageError(`${command}: unknown option -${a[j]}`, help);
        const def = spec[name]!;
        if (!def.value) {
          set(name, true);
          continue;
        }
        const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
        if (v === undefined) throw new UsageError(`${command}: -${a[j]} needs a value`, help);
        set(name, v);
        break;
      }
    } else positionals.push(a);
  }
  return { flags, positionals };
}

/** The value of a value flag, or undefined. */
export function flagString(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.flags[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[v.length - 1] : undefined;
}

/** A non-negative integer flag, or `fallback`; anything else is a UsageError. */
export function flagInt(parsed: ParsedArgs, name: string, fallback: number, command: string): number {
  const v = flagString(parsed, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new UsageError(`${command}: --${name} must be a whole number, not "${v}"`);
  return Number(v);
}

/**
 * A positional argument that is a non-negative integer (`moss state activate 3`), in the words
 * of {@link flagInt}: anything else is a UsageError naming `what` it is, with `hint`.
 */
export function positionalInt(text: string, what: string, command: string, hint?: string): number {
  if (!/^\d+$/.test(text))
    throw new UsageError(`${command}: ${what} must be a whole number, not "${text}"`, hint);
  return Number(text);
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * A size flag in bytes (`1048576`, `64M`, `2G`: binary units, an optional `iB`/`B`), or
 * `fallback`; anything else is a UsageError.
 */
export function flagSize(
  parsed: ParsedArgs,
  name: string,
  fallback: number | undefined,
  command: string,
): number | undefined {
  const v = flagString(parsed, name);
  if (v === undefined) return fallback;
  const m = /^(\d+)\s*([KMGT]?)(?:i?B)?$/i.exec(v.trim());
  if (!m) throw new UsageError(`${command}: --${name} must be a size such as 64M or 1048576, not "${v}"`);
  return Number(m[1]) * SIZE_UNITS[m[2]!.toUpperCase()]!;
}
