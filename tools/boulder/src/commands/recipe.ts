import type { Command } from '@serpent/cli';
import { bumpCommand, updateCommand } from './recipe-edit.js';
import { expandCommand } from './recipe-expand.js';
import { macrosCommand } from './recipe-macros.js';
import { newCommand } from './recipe-new.js';

export const recipeCommand: Command = {
  name: 'recipe',
  summary: 'Draft, inspect and edit stone.yaml recipes: new, macros, expand, bump, update',
  subcommands: [newCommand, macrosCommand, expandCommand, bumpCommand, updateCommand],
};
