import { formatTable } from '@serpent/cli';
import type { FoundMacro, MacroListing } from '@serpent/recipe';

/** `boulder recipe macros` as text: actions, definitions, breakpoints and tuning groups in columns. */
export function listingText(listing: MacroListing): string {
  const out: string[] = [];
  out.push(`Actions (${listing.actions.length}):\n`);
  out.push(
    formatTable(
      listing.actions.map((a) => [`%${a.name}`, a.description]),
      '  ',
    ),
  );
  out.push(
    `\nDefinitions (${listing.definitions.length}, for ${listing.target} with ${listing.toolchain}):\n`,
  );
  out.push(formatTable(listing.definitions.map((d) => [`%(${d.name})`, d.expansion.split('\n')[0]!])));
  out.push('\nBreakpoints (a shell in the build container at that line):\n');
  out.push(
    formatTable(
      listing.breakpoints.map((b) => [`%${b.name}`, b.description]),
      '  ',
    ),
  );
  out.push(`\nTuning groups (${listing.tuning.length}; * = on by default):\n`);
  out.push(
    formatTable(
      listing.tuning.map((t) => [
        `${t.isDefault ? '*' : ' '} ${t.group}`,
        t.options.length ? `${t.options.join(', ')}${t.default ? ` (default ${t.default})` : ''}` : '',
      ]),
    ),
  );
  return out.join('');
}

/** `boulder recipe macros NAME`: what a breakpoint does, or an action's and a definition's text and expansion. */
export function macroText({ action: a, definition: d, breakpoint: b }: FoundMacro): string {
  if (b) return `%${b.name}: ${b.description}`;
  return [
    ...(a
      ? [
          `%${a.name} (${a.file}.yaml): ${a.description}\n`,
          ...(a.example ? [`\nExample:\n  ${a.example}\n`] : []),
          ...(a.dependencies.length ? [`\nBuild dependencies: ${a.dependencies.join(', ')}\n`] : []),
          `\nCommand:\n${a.command.trimEnd()}\n\nExpands to:\n${a.expansion}\n`,
        ]
      : []),
    ...(d ? [`${a ? '\n' : ''}%(${d.name}) (${d.file}): ${d.value.trimEnd()}\n  = ${d.expansion}\n`] : []),
  ].join('');
}
