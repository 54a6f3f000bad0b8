import type { Candidate } from '../src/candidate.js';

export function loadRecipeGraph(recipesDir: string): {
  packages: Candidate[];
  standIns: Candidate[];
  missing: string[];
};
