import type { PgoStage } from './build-plan.js';
import type { FetchEvent } from './fetch-upstreams.js';

/** One phase run (or one run between breakpoints): where its log is and how it ended. */
export interface PhaseTiming {
  readonly target: string;
  readonly stage: PgoStage;
  readonly phase: string;
  readonly ms: number;
  readonly status: number | null;
  readonly log: string;
}

/** What a build reports while it runs; only the tools render these. */
export type BuildEvent =
  | FetchEvent
  | {
      readonly type: 'job-start';
      readonly target: string;
      readonly stage: PgoStage;
    }
  | {
      readonly type: 'phase-start';
      readonly target: string;
      readonly stage: PgoStage;
      readonly phase: string;
      readonly log: string;
    }
  | {
      /**
       * One whole line of a phase's output with its `\n` (the last piece without one when the
       * phase ends), never part of one: each stream is cut at line ends, so a prefixed display
       * never splits a line, mixes stdout and stderr mid-line, or loses an unterminated last line.
       */
      readonly type: 'phase-output';
      readonly target: string;
      readonly stage: PgoStage;
      readonly phase: string;
      readonly stream: 'stdout' | 'stderr';
      readonly text: string;
    }
  | ({ readonly type: 'phase-end' } & PhaseTiming)
  | {
      /** A shell opens in the container; the build waits until it exits. */
      readonly type: 'breakpoint';
      readonly kind: 'continue' | 'exit';
      readonly file: string;
      readonly line: number;
      readonly target: string;
      readonly phase: string;
      readonly cwd: string;
    }
  | { readonly type: 'breakpoint-end'; readonly status: number | null }
  | { readonly type: 'warning'; readonly message: string; readonly paths: readonly string[] }
  | {
      readonly type: 'step';
      readonly step: 'fetch' | 'collect' | 'analyze' | 'emit';
      readonly ms: number;
    }
  | { readonly type: 'package'; readonly name: string; readonly path: string; readonly files: number };
