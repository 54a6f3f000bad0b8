import type { Command } from '@serpent/cli';
import { versionCommand } from '../versions.js';
import { buildCommand } from './build.js';
import { chrootCommand } from './chroot.js';
import { profileCommand } from './profile.js';
import { recipeCommand } from './recipe.js';

/** Every boulder verb, in the order `boulder --help` lists them. */
export const COMMANDS: Command[] = [
  buildCommand,
  chrootCommand,
  recipeCommand,
  profileCommand,
  versionCommand,
];
