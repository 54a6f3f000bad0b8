import type { PhaseTiming, RecipeBuildEvent } from '@serpent/builder';
import type { CommandIo } from '@serpent/cli';

const LETTER: Record<string, string> = {
  prepare: 'P',
  setup: 'S',
  build: 'B',
  install: 'I',
  check: 'C',
  workload: 'W',
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Renders a recipe build's events: phase output line by line with boulder's `│B│` margin. */
export function buildRenderer(io: CommandIo, quiet: boolean): (e: RecipeBuildEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'recipe-warning':
        return io.stderr(`warning: ${e.warning.file}:${e.warning.line}: ${e.warning.message}\n`);
      case 'host-missing':
        return io.stderr(
          `warning: not found on this host, the build will probably fail: ${e.dependencies.join(' ')}\n`,
        );
      case 'root-waiting':
        return io.stderr(
          `waiting for another boulder or moss using ${e.mossDir}${e.pid === undefined ? '' : ` (pid ${e.pid})`}\n`,
        );
      case 'root-refreshed':
        return io.stdout(
          `refreshed ${e.repository}: ${e.packages} package(s)${e.notModified ? ' (unchanged)' : ''}\n`,
        );
      case 'root-installing':
        return io.stdout(`build root: ${e.packages.length} package(s): ${e.packages.join(' ')}\n`);
      case 'root-step':
        return;
      case 'root-ready':
        return io.stdout(
          e.kept
            ? `build root: ${e.path} kept, already these packages (${seconds(e.ms)})\n`
            : `build root: ${e.path} ready, ${e.entries} entries (${seconds(e.ms)})\n`,
        );
      case 'upstream-fetching':
        return io.stdout(`fetching ${e.uri}\n`);
      case 'upstream-cached':
        return io.stdout(`cached   ${e.uri}\n`);
      case 'job-start':
        if (e.stage !== 'none') io.stdout(`══ ${e.target}: PGO stage ${e.stage}\n`);
        return;
      case 'phase-start':
        return io.stdout(`── ${e.phase} (${e.target})\n`);
      case 'phase-output':
        // One whole line an event (the builder cuts each stream at line ends).
        if (!quiet)
          io.stdout(
            `│${LETTER[e.phase] ?? '?'}│${e.stage === 'none' ? '' : '│'} ${e.text.replace(/\n$/, '')}\n`,
          );
        return;
      case 'breakpoint':
        return io.stderr(
          `\nbreakpoint %break_${e.kind} at ${e.file}:${e.line} (${e.phase}, ${e.target}): a shell in the build container, in ${e.cwd}.\n` +
            `The build's macros are shell functions (a_make) and variables ($d_libdir). ${e.kind === 'continue' ? '`exit` goes on with the build, `exit 1` stops it.' : 'The build stops when you exit.'}\n\n`,
        );
      case 'warning':
        return io.stderr(`warning: ${e.message}\n${e.paths.map((p) => `  ${p}\n`).join('')}`);
      case 'package':
        return io.stdout(`emitted ${e.path} (${e.files} paths)\n`);
    }
  };
}

/** boulder's closing table: each step and phase, its time and share of the total. */
export function timingTable(
  timings: readonly PhaseTiming[],
  steps: Record<string, number>,
  total: number,
): string {
  const rows: Array<[string, number]> = [
    ...(steps.root === undefined ? [] : [['build root', steps.root] as [string, number]]),
    ['fetch', steps.fetch ?? 0],
    ...timings.map((t): [string, number] => [
      `${t.target}${t.stage === 'none' ? '' : ` pgo-${t.stage}`} ${t.phase}`,
      t.ms,
    ]),
    ...(['collect', 'analyze', 'emit'] as const).map((s): [string, number] => [s, steps[s] ?? 0]),
    ['total', total],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  const row = ([k, ms]: [string, number]) =>
    `  ${k.padEnd(w)}  ${(ms / 1000).toFixed(2).padStart(8)} s  ${((100 * ms) / total).toFixed(1).padStart(5)} %\n`;
  return rows.map(row).join('');
}
