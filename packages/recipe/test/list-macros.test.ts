import { beforeAll, describe, expect, it } from 'vitest';
import { findMacro, listMacros, loadMacros, type MacroListing } from '../src/index.js';

let listing: MacroListing;
beforeAll(async () => {
  listing = listMacros(await loadMacros());
});

describe('findMacro', () => {
  it('finds an action or a definition written as a recipe writes it, or bare', () => {
    for (const name of ['%cmake', 'cmake']) {
      expect(findMacro(listing, name)?.action?.name).toBe('cmake');
    }
    for (const name of ['%(libdir)', 'libdir']) {
      const found = findMacro(listing, name);
      expect(found?.definition?.expansion).toBe('/usr/lib');
      expect(found?.action).toBeUndefined();
    }
  });

  it('finds a breakpoint alone, and nothing for an unknown name', () => {
    expect(findMacro(listing, '%break_exit')).toEqual({
      breakpoint: listing.breakpoints.find((b) => b.name === 'break_exit'),
    });
    expect(findMacro(listing, 'nosuch')).toBeUndefined();
  });
});
