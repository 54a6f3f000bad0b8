import { describe, expect, it } from 'vitest';
import { isPythonMetadata, pythonFacts } from '../src/index.ts';

describe('python() facts', () => {
  const meta = {
    version: '3.11',
    dists: new Map([
      ['/usr/lib/python3.11/site-packages/Foo_Bar-1.0.dist-info', { name: 'foo-bar', requires: ['jinja2'] }],
      ['/usr/lib/python3.12/site-packages/old.egg-info', { name: 'old', requires: [] }],
    ]),
  };

  it('recognises the two metadata files the original reads', () => {
    expect(isPythonMetadata('/usr/lib/python3.11/site-packages/Foo_Bar-1.0.dist-info/METADATA')).toBe(true);
    expect(isPythonMetadata('/usr/lib/python3.11/site-packages/x.egg-info/PKG-INFO')).toBe(true);
    expect(isPythonMetadata('/usr/lib/python3.11/site-packages/x.dist-info/RECORD')).toBe(false);
    expect(isPythonMetadata('/usr/share/doc/METADATA')).toBe(false);
  });

  it('gives the name, the name at the interpreter version, and versioned dependencies', () => {
    expect(pythonFacts('/usr/lib/python3.11/site-packages/Foo_Bar-1.0.dist-info/METADATA', meta)).toEqual({
      providers: ['python(foo-bar)', 'python(foo-bar(3.11))'],
      depends: ['python(jinja2(3.11))'],
    });
    expect(
      pythonFacts('/usr/lib/python3.11/site-packages/Other-1.0.dist-info/METADATA', meta),
    ).toBeUndefined();
  });

  it('takes X.Y from the install path when the build root had no python3 to ask', () => {
    const { version: _, ...noVersion } = meta;
    expect(pythonFacts('/usr/lib/python3.12/site-packages/old.egg-info/PKG-INFO', noVersion)).toEqual({
      providers: ['python(old)', 'python(old(3.12))'],
      depends: [],
    });
  });
});
