import { SerpentError } from '@serpent/errors';
import { describe, expect, it } from 'vitest';
import {
  bufferIo,
  type Command,
  confirm,
  expandShortcut,
  formatColumns,
  parseFlags,
  positionalInt,
  runCli,
} from '../src/index.js';

const seen: unknown[] = [];
const root: Command = {
  name: 'tool',
  summary: 'a test tool',
  subcommands: [
    {
      name: 'install',
      aliases: ['it'],
      summary: 'install things',
      synopsis: 'NAME...',
      flags: { to: { value: true, placeholder: 'DIR', description: 'target' } },
      examples: [['tool install a', 'installs a']],
      // Resolving nothing is status 0.
      run: async (ctx) => {
        seen.push(ctx);
      },
    },
    {
      name: 'state',
      summary: 'states',
      subcommands: [
        { name: 'list', summary: 'list states', run: async () => 0 },
        { name: 'odd', summary: 'says 4', run: async () => 4 },
        {
          name: 'fail',
          summary: 'fails',
          run: async () => {
            throw new SerpentError('X_BROKEN', 'it broke', { hint: 'fix it' });
          },
        },
      ],
    },
  ],
};
const globals = {
  directory: { short: 'D', value: true, placeholder: 'ROOT', description: 'root' },
  yes: { short: 'y', description: 'assume yes' },
  json: { description: 'JSON output' },
};

describe('runCli', () => {
  it('dispatches through aliases with globals before and after the verb', async () => {
    const io = bufferIo();
    seen.length = 0;
    expect(await runCli(['-D', '/r', 'it', 'a', 'b', '-y', '--to=/x'], { root, globals, io })).toBe(0);
    const ctx = seen[0] as {
      args: { positionals: string[]; flags: Record<string, unknown> };
      globals: Record<string, unknown>;
    };
    expect(ctx.args.positionals).toEqual(['a', 'b']);
    expect(ctx.globals).toEqual({ directory: '/r', yes: true });
    expect(ctx.args.flags.to).toBe('/x');
    expect(await runCli(['state', 'odd'], { root, globals, io })).toBe(4);
  });

  it('prints help with examples at every level', async () => {
    const io = bufferIo();
    expect(await runCli(['install', '--help'], { root, globals, io })).toBe(0);
    expect(io.out()).toContain('Usage: tool install [OPTIONS] NAME...');
    expect(io.out()).toContain('tool install a  # installs a');
    const io2 = bufferIo();
    expect(await runCli(['help', 'state', 'list'], { root, globals, io: io2 })).toBe(0);
    expect(io2.out()).toContain('tool state list - list states');
  });

  it('renders usage mistakes with status 2 and failures with their hint and status 1', async () => {
    const io = bufferIo();
    expect(await runCli(['instal'], { root, globals, io })).toBe(2);
    expect(io.err()).toContain('no command "instal"');
    expect(io.err()).toContain('commands are: install, state');
    const io2 = bufferIo();
    expect(await runCli(['state', 'fail'], { root, globals, io: io2 })).toBe(1);
    expect(io2.err()).toBe('error: it broke\nhint: fix it\n');
    const io3 = bufferIo();
    expect(await runCli(['state', 'fail', '--json'], { root, globals, io: io3 })).toBe(1);
    expect(JSON.parse(io3.out()).error.code).toBe('X_BROKEN');
  });
});

describe('parseFlags', () => {
  it('reads a whole-number argument, or says what it must be', () => {
    expect(positionalInt('12', 'a state id', 'tool state activate')).toBe(12);
    expect(() => positionalInt('1a', 'a state id', 'tool state activate', 'list them')).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: 'tool state activate: a state id must be a whole number, not "1a"',
        hint: 'list them',
      }),
    );
  });

  it('clusters switches and takes a glued short value', () => {
    const spec = {
      a: { short: 'a', description: '' },
      b: { short: 'b', description: '' },
      o: { short: 'o', value: true, description: '' },
    };
    expect(parseFlags(['-ab', '-o/tmp', 'x', '--', '-a'], spec, 't')).toEqual({
      flags: { a: true, b: true, o: '/tmp' },
      positionals: ['x', '-a'],
    });
    expect(() => parseFlags(['--o'], spec, 't')).toThrow(/needs a value/);
    expect(() => parseFlags(['-z'], spec, 't')).toThrow(/unknown option -z/);
  });
});

describe('confirm', () => {
  it('refuses without a terminal unless -y, and cancels on no', async () => {
    await expect(confirm(bufferIo(), 'Continue?', false)).rejects.toMatchObject({
      code: 'CONFIRMATION_NEEDED',
    });
    await expect(confirm(bufferIo(), 'Continue?', true)).resolves.toBeUndefined();
    await expect(confirm(bufferIo({ answers: ['n'] }), 'Continue?', false)).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    await expect(confirm(bufferIo({ answers: ['y'] }), 'Continue?', false)).resolves.toBeUndefined();
  });
});

describe('formatColumns', () => {
  it('fills columns top to bottom within the width', () => {
    expect(formatColumns(['a', 'b', 'c', 'd', 'e'], 12)).toBe('a   c   e\nb   d\n');
  });
});

describe('expandShortcut', () => {
  const shortcuts = { li: ['list', 'installed'], up: ['sync'] };
  const g = { directory: { short: 'D', value: true, description: '' }, yes: { short: 'y', description: '' } };
  it('rewrites the verb after global options and their values, never an argument', () => {
    expect(expandShortcut(['-D', 'li', 'li'], shortcuts, g)).toEqual(['-D', 'li', 'list', 'installed']);
    expect(expandShortcut(['-y', 'up'], shortcuts, g)).toEqual(['-y', 'sync']);
    expect(expandShortcut(['install', 'up'], shortcuts, g)).toEqual(['install', 'up']);
    expect(expandShortcut(['--directory=/r', 'li'], shortcuts, g)).toEqual([
      '--directory=/r',
      'list',
      'installed',
    ]);
  });
});
