import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeContainer } from '@serpent/container';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectCommands, runTriggerCommands, type TriggerEvent } from '../src/index.js';
import { listing, loadInline } from './helpers.js';
import { buildStaticProbe } from './static-probe.js';

let work = '';
let probePath: string | undefined;
let skip: string | undefined;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'serpent-triggers-noshell-'));
  const probe = process.platform === 'linux' ? probeContainer() : { ok: false as const, reason: 'not Linux' };
  const built = buildStaticProbe(work);
  skip = !probe.ok ? probe.reason : 'skip' in built ? built.skip : undefined;
  probePath = 'path' in built ? built.path : undefined;
  if (skip) console.warn(`skipping the shell-less trigger tests: ${skip}`);
});
afterAll(() => rm(work, { recursive: true, force: true }));

// issue 14, B: a transaction trigger in a root without /usr/bin/env or /bin/sh (a base system
// being bootstrapped, a minimal image) failed with 127; and output was passed on per chunk, so
// a prefixed display split lines.
describe('transaction triggers in a /usr with no shell (a static handler only)', () => {
  it('runs the handler and passes its output on as whole lines, even when written in pieces', async (ctx) => {
    if (skip) ctx.skip();
    const staging = join(work, 'staging', 'usr');
    const root = join(work, 'root');
    mkdirSync(join(staging, 'bin'), { recursive: true });
    mkdirSync(join(staging, 'lib', 'modules', '6.12.1'), { recursive: true });
    mkdirSync(join(root, 'etc'), { recursive: true });
    copyFileSync(probePath!, join(staging, 'bin', 'probe'));
    expect(existsSync(join(staging, 'bin', 'sh'))).toBe(false);
    expect(existsSync(join(staging, 'bin', 'env'))).toBe(false);
    const loaded = await loadInline({
      probe: `name: probe
description: a static handler in a root with nothing else
handlers:
  run: {run: /usr/bin/probe, args: ['0', '$(version)']}
paths:
  /usr/lib/modules/(version:*): {handlers: [run], type: directory}
`,
    });
    const commands = collectCommands(
      loaded.triggers,
      listing(['/usr/lib/modules/6.12.1/modules.dep']),
      'transaction',
    );
    const events: TriggerEvent[] = [];
    const report = await runTriggerCommands(commands, {
      stagingUsr: staging,
      root,
      env: { PATH: '/usr/bin', LANG: 'C.UTF-8' },
      onEvent: (e) => events.push(e),
    });
    expect(report.failed.map((r) => r.stderr)).toEqual([]);
    expect(report.results[0]).toMatchObject({ place: 'namespace', ok: true, status: 0 });
    expect(report.results[0]!.stdout).toContain('cwd=/\n');
    expect(report.results[0]!.stdout).toContain('arg=6.12.1\n');
    const lines = (stream: string) =>
      events.flatMap((e) => (e.type === 'output' && e.stream === stream ? [e.chunk.toString()] : []));
    // Every event is one whole line: the pieces written 100 ms apart arrive joined.
    for (const l of [...lines('stdout'), ...lines('stderr')]) expect(l).toMatch(/^[^\n]*\n$/);
    expect(lines('stdout')).toContain('partial stdout line\n');
    expect(lines('stderr')).toEqual(['partial stderr line\n']);
  });
});
