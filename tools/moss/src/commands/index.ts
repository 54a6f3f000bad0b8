import type { Command } from '@serpent/cli';
import { extractCommand } from './extract.js';
import { inspectCommand } from './inspect.js';
import { versionCommand } from './version.js';

/** Every moss verb, in the order `moss --help` lists them. */
export const COMMANDS: Command[] = [inspectCommand, extractCommand, versionCommand];
