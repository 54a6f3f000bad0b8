import type { Candidate } from '../src/candidate.js';

export function syntheticGraph(options?: {
  packages?: number;
  providers?: number;
  seed?: number;
}): Candidate[];
