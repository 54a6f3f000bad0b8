import { tokenizeMacros } from './expand-macros.js';

/** What happens once the shell of a breakpoint exits. */
export type BreakpointKind = 'continue' | 'exit';

/** `%break_continue` / `%break_exit` in a phase script: stop there with a shell in the container. */
export interface Breakpoint {
  readonly kind: BreakpointKind;
  /** The recipe file and the 1-based line the breakpoint is written on. */
  readonly file: string;
  readonly line: number;
}

/** Breakpoint macros, named as in the original boulder so its recipes keep working. */
export const BREAKPOINT_MACROS: Readonly<Record<string, BreakpointKind>> = {
  break_continue: 'continue',
  break_exit: 'exit',
};

/** A piece of a phase script between breakpoints, with its offset in the script text. */
export interface ScriptPiece {
  readonly text: string;
  readonly offset: number;
  /** The breakpoint that ends this piece (none for the last one). */
  readonly breakpoint?: { readonly kind: BreakpointKind; readonly offset: number };
}

/**
 * Cuts a phase script at its breakpoint macros. Without any, one piece: the whole text. The
 * macro's own characters belong to no piece, so each piece expands on its own.
 */
export function splitAtBreakpoints(text: string): ScriptPiece[] {
  const pieces: ScriptPiece[] = [];
  let start = 0;
  for (const t of tokenizeMacros(text)) {
    if (t.kind !== 'action') continue;
    const kind = BREAKPOINT_MACROS[t.name];
    if (!kind) continue;
    pieces.push({ text: text.slice(start, t.offset), offset: start, breakpoint: { kind, offset: t.offset } });
    start = t.offset + 1 + t.name.length;
  }
  pieces.push({ text: text.slice(start), offset: start });
  return pieces;
}
