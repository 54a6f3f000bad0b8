import type { Command } from '@serpent/cli';
import { extractCommand } from './extract.js';
import { infoCommand } from './info.js';
import { inspectCommand } from './inspect.js';
import { installCommand } from './install.js';
import { listCommand } from './list.js';
import { removeCommand } from './remove.js';
import { stateCommand } from './state.js';
import { versionCommand } from './version.js';

/** Every moss verb, in the order `moss --help` lists them. */
export const COMMANDS: Command[] = [
  installCommand,
  removeCommand,
  listCommand,
  infoCommand,
  stateCommand,
  inspectCommand,
  extractCommand,
  versionCommand,
];
