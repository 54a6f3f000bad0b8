import type { Pattern } from '@serpent/fnmatch';

/**
 * Where a trigger runs. `transaction`: against the new staging `/usr` in an isolated namespace,
 * before the swap (`tx.d`). `system`: on the live system after the swap (`sys.d`).
 */
export type TriggerScope = 'transaction' | 'system';

/** The kind of a path in a `/usr` tree, and of a `type:` filter in a trigger. */
export type PathType = 'file' | 'directory' | 'symlink';

/** One path of the new `/usr` (absolute, e.g. `/usr/lib/modules/6.12.1/kernel`) and its kind. */
export interface TriggerPath {
  readonly path: string;
  readonly type: PathType;
}

/** A handler as written: run a program with arguments (no shell), or delete paths. */
export type Handler =
  | { readonly kind: 'run'; readonly run: string; readonly args: readonly string[] }
  | { readonly kind: 'delete'; readonly paths: readonly string[] };

/** One entry of `paths:`: a compiled pattern, the handlers it fires, an optional type filter. */
export interface PathRule {
  readonly pattern: Pattern;
  readonly handlers: readonly string[];
  /** Only paths of this kind match; any kind when absent. */
  readonly type: PathType | undefined;
  /** 1-based line of the pattern in the trigger file. */
  readonly line: number;
}

/** A loaded, validated trigger. */
export interface Trigger {
  readonly name: string;
  readonly description: string;
  readonly scope: TriggerScope;
  /** Triggers this one runs before / after (names; unknown names are ignored when ordering). */
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly handlers: ReadonlyMap<string, Handler>;
  /** In the order written in the file. */
  readonly paths: readonly PathRule[];
  /** The file it was loaded from. */
  readonly file: string;
}

/** A trigger file that could not be loaded: it is left out, and this says which and why. */
export interface TriggerWarning {
  readonly file: string;
  /** 1-based line in the file when the problem has one. */
  readonly line: number | undefined;
  readonly code: string;
  readonly message: string;
}

/** One thing to do, from one handler of one trigger, with `$(var)` already substituted. */
export type TriggerCommand =
  | {
      readonly kind: 'run';
      readonly trigger: string;
      readonly scope: TriggerScope;
      readonly handler: string;
      /** Program then arguments; executed without a shell. */
      readonly argv: readonly string[];
    }
  | {
      readonly kind: 'delete';
      readonly trigger: string;
      readonly scope: TriggerScope;
      readonly handler: string;
      /** Absolute paths as seen by the system (`/usr/...`, `/etc/...`), removed recursively. */
      readonly paths: readonly string[];
    };
