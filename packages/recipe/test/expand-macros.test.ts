import { describe, expect, it } from 'vitest';
import { type ActionMacro, MacroExpander, RecipeError, tokenizeMacros } from '../src/index.js';

const action = (command: string, dependencies: string[] = []): ActionMacro => ({
  description: 'test',
  command,
  dependencies,
});

function expander(defs: Record<string, string>, actions: Record<string, ActionMacro> = {}) {
  return new MacroExpander({
    definitions: new Map(Object.entries(defs)),
    actions: new Map(Object.entries(actions)),
  });
}
const at = { file: 'stone.yaml', phase: 'setup', line: 10 };

describe('tokenizeMacros', () => {
  it('tells definitions, actions, %% and plain % apart', () => {
    expect(tokenizeMacros('a %(x) %y %% %{z} 50% %( q) %(u')).toEqual([
      { kind: 'text', text: 'a ' },
      { kind: 'definition', name: 'x', offset: 2 },
      { kind: 'text', text: ' ' },
      { kind: 'action', name: 'y', offset: 7 },
      { kind: 'text', text: ' % %{z} 50% %( q) %(u' },
    ]);
  });
});

describe('MacroExpander', () => {
  it('expands nested definitions and trims nested results', () => {
    const x = expander({ prefix: '/usr', libdir: ' %(prefix)/lib%(suffix) \n', suffix: '' });
    expect(x.expand('ls %(libdir)/x\n', at)).toBe('ls /usr/lib/x\n');
  });

  it('appends arguments after a multi-line action to its last line', () => {
    const x = expander(
      { opts: '--prefix=/usr \\\n--libdir=/usr/lib\n' },
      { configure: action('test -x ./configure\n./configure %(opts)\n', ['binary(make)']) },
    );
    expect(x.expand('%configure --disable-static\nmake\n', at)).toBe(
      'test -x ./configure\n./configure --prefix=/usr \\\n--libdir=/usr/lib --disable-static\nmake\n',
    );
    expect([...x.usedActions]).toEqual(['configure']);
  });

  it('records actions used through other actions, also when memoised', () => {
    const x = expander({}, { make: action('make -j4'), make_install: action('%make install') });
    x.expand('%make_install', at);
    const y = expander({}, { make: action('make -j4'), make_install: action('%make install') });
    y.expand('%make', at);
    y.usedActions.clear();
    y.expand('%make_install\n%make_install', at);
    expect([...x.usedActions].sort()).toEqual(['make', 'make_install']);
    expect([...y.usedActions].sort()).toEqual(['make', 'make_install']);
  });

  it('names the file, phase and line of an unknown macro', () => {
    const x = expander({ a: 'b' }, { wrap: action('run %(missing)') });
    const err = (() => {
      try {
        x.expand('echo %(a)\n\n%wrap\n', at);
      } catch (e) {
        return e as RecipeError;
      }
    })();
    expect(err).toBeInstanceOf(RecipeError);
    expect(err?.code).toBe('RECIPE_UNKNOWN_MACRO');
    expect(err?.message).toBe('stone.yaml:12: setup: unknown definition macro %(missing) (via %wrap)');
    expect(err?.details).toMatchObject({ line: 12, phase: 'setup', macro: 'missing' });
    expect(() => x.expand('%nope', at)).toThrow('stone.yaml:10: setup: unknown action macro %nope');
  });

  it('reports a cycle instead of overflowing the stack', () => {
    const x = expander({ a: '%(b)', b: 'x%(a)' });
    expect(() => x.expand('%(a)', at)).toThrow(/refers to itself/);
  });

  it('leaves kept definitions in place', () => {
    const x = new MacroExpander(
      { definitions: new Map([['libexecdir', '/usr/lib/%(name)']]), actions: new Map() },
      new Set(['name']),
    );
    expect(x.expand('%(libexecdir)', at)).toBe('/usr/lib/%(name)');
  });
});
