import { describe, expect, it } from 'vitest';
import { bufferIo, runCli, type ToolVersions, versionCommand } from '../src/index.js';

const versions = (): ToolVersions => ({
  name: 'mytool',
  version: '1.2.3',
  build: 'modules',
  node: 'v22.15.0',
  platform: 'linux-x64',
  packages: { '@serpent/mytool': '1.2.3', '@serpent/cli': '0.4.0' },
});

const run = async (...argv: string[]) => {
  const io = bufferIo();
  const status = await runCli(['version', ...argv], {
    root: { name: 'mytool', summary: 'a tool', subcommands: [versionCommand('mytool', versions)] },
    globals: { json: { description: 'JSON' } },
    io,
  });
  return { status, out: io.out(), err: io.err() };
};

describe('versionCommand', () => {
  it("prints the tool's version, and with --full the runtime and every package", async () => {
    expect(await run()).toEqual({ status: 0, out: 'mytool 1.2.3\n', err: '' });
    expect((await run('--full')).out).toBe(
      'mytool 1.2.3\nnode v22.15.0 (linux-x64, modules)\n@serpent/mytool 1.2.3\n@serpent/cli 0.4.0\n',
    );
  });

  it('prints all of it as one JSON document with --json, --full or not', async () => {
    expect(JSON.parse((await run('--json')).out)).toEqual(versions());
    expect(JSON.parse((await run('--json', '-f')).out)).toEqual(versions());
  });

  it('names the tool in its help and examples', () => {
    const cmd = versionCommand('mytool', versions);
    expect(cmd.summary).toBe('Print the mytool version');
    expect(cmd.examples?.map(([c]) => c)).toEqual(['mytool version --full', 'mytool version --json']);
  });
});
