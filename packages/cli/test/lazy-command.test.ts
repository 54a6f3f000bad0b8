import { describe, expect, it } from 'vitest';
import { bufferIo, type Command, type CommandManifest, helpText, lazyCommand, runCli } from '../src/index.js';

const ran: string[] = [];
const stateCommand: Command = {
  name: 'state',
  summary: 'states',
  subcommands: [
    {
      name: 'list',
      summary: 'list states',
      flags: { all: { short: 'a', description: 'every one' } },
      run: async ({ args, io }) => {
        ran.push('state list');
        io.stdout(`listed${args.flags.all ? ' all' : ''}\n`);
        return 0;
      },
    },
  ],
};

// What scripts/bundle.mjs records: the data, and where each runnable command's code is.
const manifest: CommandManifest = {
  name: 'tool',
  summary: 'a tool',
  subcommands: [
    {
      name: 'state',
      summary: 'states',
      subcommands: [
        {
          name: 'list',
          summary: 'list states',
          flags: { all: { short: 'a', description: 'every one' } },
          runnable: true,
          from: { loader: 'commands/state', path: ['list'] },
        },
      ],
    },
    {
      name: 'gone',
      summary: 'moved away',
      runnable: true,
      from: { loader: 'commands/state', path: ['gone'] },
    },
  ],
};

describe('lazyCommand', () => {
  it('serves help and parsing from the data and loads a module only when its command runs', async () => {
    const loads: string[] = [];
    const root = lazyCommand(manifest, {
      'commands/state': async () => {
        loads.push('commands/state');
        return stateCommand;
      },
    });
    const help = bufferIo();
    expect(await runCli(['state', 'list', '--help'], { root, globals: {}, io: help })).toBe(0);
    expect(help.out()).toBe(helpText('tool state', stateCommand.subcommands![0]!, {}));
    expect(loads).toEqual([]);

    const io = bufferIo();
    expect(await runCli(['state', 'list', '-a'], { root, globals: {}, io })).toBe(0);
    expect(io.out()).toBe('listed all\n');
    expect(loads).toEqual(['commands/state']);
    expect(ran).toEqual(['state list']);
  });

  it('says which command lost its code instead of running something else', async () => {
    const root = lazyCommand(manifest, { 'commands/state': async () => stateCommand });
    const io = bufferIo();
    expect(await runCli(['gone'], { root, globals: {}, io })).toBe(70);
    expect(io.err()).toContain('state has no subcommand gone');
  });
});

describe('--version', () => {
  const root: Command = { name: 'tool', summary: 'a tool', subcommands: [stateCommand] };
  it('prints the name and version for -V and --version before any verb', async () => {
    for (const flag of ['-V', '--version']) {
      const io = bufferIo();
      expect(await runCli([flag], { root, globals: {}, io, version: '1.2.3' })).toBe(0);
      expect(io.out()).toBe('tool 1.2.3\n');
    }
  });
  it('is listed in the top-level help', async () => {
    const io = bufferIo();
    expect(await runCli(['--help'], { root, globals: {}, io, version: '1.2.3' })).toBe(0);
    expect(io.out()).toMatch(/-V, --version\s+Print the version/);
  });
  it('is an unknown option for a tool without a version', async () => {
    const io = bufferIo();
    expect(await runCli(['--version'], { root, globals: {}, io })).toBe(2);
  });
});
