import type { Command } from '@serpent/cli';
import { bumpCommand, updateCommand } from './recipe-edit.js';
import { expandCommand } from './recipe-expand.js';
import { macrosCommand } from './recipe-macros.js';

export const recipeCommand: Command = {
  name: 'recipe',
  summary: 'Inspect and edit stone.yaml recipes: macros, expand, bump, update',
  subcommands: [macrosCommand, expandCommand, bumpCommand, updateCommand],
};
