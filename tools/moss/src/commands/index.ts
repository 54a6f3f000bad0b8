import type { Command } from '@serpent/cli';
import { versionCommand } from '../versions.js';
import { bootCommand } from './boot.js';
import { extractCommand } from './extract.js';
import { indexCommand } from './index-dir.js';
import { infoCommand } from './info.js';
import { inspectCommand } from './inspect.js';
import { installCommand } from './install.js';
import { keygenCommand } from './keygen.js';
import { listCommand } from './list.js';
import { removeCommand } from './remove.js';
import { repoCommand } from './repo.js';
import { searchCommand } from './search.js';
import { stateCommand } from './state.js';
import { syncCommand } from './sync.js';

/** Every moss verb, in the order `moss --help` lists them. */
export const COMMANDS: Command[] = [
  installCommand,
  removeCommand,
  syncCommand,
  listCommand,
  searchCommand,
  infoCommand,
  repoCommand,
  indexCommand,
  keygenCommand,
  stateCommand,
  bootCommand,
  inspectCommand,
  extractCommand,
  versionCommand,
];
