import { type ToolVersions, versionCommand as toolVersionCommand, toolVersions } from '@serpent/cli';

/** boulder's version and those of the packages it is made of (written in by the bundler). */
export function versions(): ToolVersions {
  return toolVersions('boulder', new URL('../package.json', import.meta.url));
}

/** `boulder version`. */
export const versionCommand = toolVersionCommand('boulder', versions);
