import { type ToolVersions, versionCommand as toolVersionCommand, toolVersions } from '@serpent/cli';

/** moss's version and those of the packages it is made of (written in by the bundler). */
export function versions(): ToolVersions {
  return toolVersions('moss', new URL('../package.json', import.meta.url));
}

/** `moss version`. */
export const versionCommand = toolVersionCommand('moss', versions);
