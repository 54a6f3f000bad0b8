import { SerpentError } from '@serpent/errors';
import { describe, expect, it } from 'vitest';
import { bufferIo, createReport, renderError } from '../src/index.js';

const list = { json: (n: number) => ({ n }), row: (n: number) => [`#${n}`, 'x'], empty: 'nothing here' };

describe('createReport', () => {
  it('writes text for a person: results and lines on stdout, notes and warnings on stderr', () => {
    const io = bufferIo();
    const r = createReport<{ type: 'tick' }>(io, {
      json: false,
      renderEvent: (e, rep) => rep.note(`event ${e.type}`),
    });
    r.line('first');
    r.note('working');
    r.detail('only with -v');
    r.warn('careful');
    r.event({ type: 'tick' });
    r.result({ id: 3 }, (v) => `state ${v.id}`);
    r.list([1, 22], list);
    expect(io.out()).toBe('first\nstate 3\n#1   x\n#22  x\n');
    expect(io.err()).toBe('working\nwarning: careful\nevent tick\n');
  });

  it('writes only the result as JSON on stdout and events and warnings as NDJSON on stderr with --json', () => {
    const io = bufferIo();
    const r = createReport(io, { json: true, renderEvent: () => io.stderr('drawn\n') });
    r.line('first');
    r.note('working');
    r.warn('careful');
    r.event({ type: 'tick' });
    r.result({ id: 3 }, 'state 3');
    expect(JSON.parse(io.out())).toEqual({ id: 3 });
    expect(
      io
        .err()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ warning: 'careful' }, { event: { type: 'tick' } }]);
  });

  it('shows an empty list as an empty JSON array, or says so in text', () => {
    const json = bufferIo();
    createReport(json, { json: true }).list([], list);
    expect(JSON.parse(json.out())).toEqual([]);
    const text = bufferIo();
    createReport(text, { json: false }).list([], list);
    expect(text.out()).toBe('');
    expect(text.err()).toBe('nothing here\n');
  });
});

describe('the report shows control characters from outside instead of obeying them (issue 14, C9)', () => {
  it('escapes every text it writes; a string keeps its line breaks, an array shows each line whole', () => {
    const io = bufferIo();
    const r = createReport(io, { json: false, verbose: true });
    r.line('Summary: red \x1b[31mALERT\x1b[0m\nnext line');
    r.line(['file two\nlines', 'title \x1b]0;pwned\x07']);
    r.result({}, (_) => ['ok\rforged']);
    r.note(['  [trigger] \x1b[2Jclear']);
    r.detail('detail \u202egnp');
    r.warn('bad\x1bname');
    expect(io.out()).toBe(
      'Summary: red \\x1b[31mALERT\\x1b[0m\nnext line\nfile two\\nlines\ntitle \\x1b]0;pwned\\x07\nok\\rforged\n',
    );
    expect(io.err()).toBe('  [trigger] \\x1b[2Jclear\ndetail \\u{202e}gnp\nwarning: bad\\x1bname\n');
    expect(io.out() + io.err()).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });

  it('shows each table cell on one line, and JSON keeps the exact bytes', () => {
    const rows = { json: (s: string) => ({ s }), row: (s: string) => [s, 'x'], empty: 'none' };
    const text = bufferIo();
    createReport(text, { json: false }).list(['a\nb', '\x1b[31mred'], rows);
    expect(text.out()).toBe('a\\nb         x\n\\x1b[31mred  x\n');
    const json = bufferIo();
    createReport(json, { json: true }).list(['a\nb'], rows);
    expect(JSON.parse(json.out())).toEqual([{ s: 'a\nb' }]);
  });
});

describe('renderError', () => {
  it('never prints the same line twice in a cause chain', () => {
    const io = bufferIo();
    const inner = new Error('HTTP 404 Not Found');
    const middle = new SerpentError('X_FETCH', 'HTTP 404 Not Found', { cause: inner });
    const err = new SerpentError('X_ADD', 'repository r was not added', { cause: middle, hint: 'check it' });
    expect(renderError(err, io, { tool: 't' })).toBe(1);
    expect(io.err()).toBe(
      'error: repository r was not added\n  caused by: HTTP 404 Not Found\nhint: check it\n',
    );
  });
});

describe('positionalArity', () => {
  it('reads how many arguments a synopsis of placeholders takes, and leaves the rest alone', async () => {
    const { positionalArity } = await import('../src/positional-arity.js');
    expect(positionalArity('PACKAGE...')).toEqual({ min: 1, max: Number.POSITIVE_INFINITY });
    expect(positionalArity('NAME URI')).toEqual({ min: 2, max: 2 });
    expect(positionalArity('[NAME]')).toEqual({ min: 0, max: 1 });
    expect(positionalArity('FILE... [-o DIR]')).toEqual({ min: 1, max: Number.POSITIVE_INFINITY });
    expect(positionalArity('FILE... [-o DIR] [--overwrite]')).toEqual({
      min: 1,
      max: Number.POSITIVE_INFINITY,
    });
    expect(positionalArity('[RECIPE=./stone.yaml]')).toBeUndefined();
    expect(positionalArity('NAME -r name=ID,uri=URL')).toBeUndefined();
  });
});
