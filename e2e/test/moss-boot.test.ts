import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOSS_BUILT, moss } from './support/paths.js';
import { makeStone } from './support/stones.js';

// moss keeps the boot menu of an image root in step with its states: a kernel package's
// states get Boot Loader Specification entries in a named ESP directory, the active state is
// the default, rollback moves the default, and prune removes what only pruned states used.
const skip = !MOSS_BUILT ? 'tools/moss is not built' : undefined;
if (skip) console.warn(`skipping moss boot e2e: ${skip}`);
const work = mkdtempSync(join(tmpdir(), 'moss-boot-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const root = join(work, 'root');
const esp = join(work, 'esp');
const S: Record<string, string> = {};

beforeAll(async () => {
  if (skip) return;
  mkdirSync(root);
  mkdirSync(esp);
  const dir = join(work, 'stones');
  mkdirSync(dir);
  S.base = await makeStone(dir, {
    name: 'os-base',
    files: {
      'lib/os-release': 'NAME="Serpent OS"\nID="serpentos"\nPRETTY_NAME="Serpent OS (e2e)"\n',
      'lib/kernel/cmdline.d/10-quiet.cmdline': 'quiet\n',
    },
  });
  S.k1 = await makeStone(dir, {
    name: 'linux',
    version: '6.12.1',
    files: { 'lib/kernel/6.12.1/vmlinuz': 'kernel image 6.12.1\n' },
  });
  S.k2 = await makeStone(dir, {
    name: 'linux',
    version: '6.12.2',
    release: 2,
    files: { 'lib/kernel/6.12.2/vmlinuz': 'kernel image 6.12.2\n' },
  });
});

const m = (...args: string[]) => moss(['-D', root, ...args]);
interface Entry {
  stateId?: string;
  isDefault: boolean;
  options?: string;
  linux?: string;
}
const entries = () => (JSON.parse(m('boot', 'status', '--json').stdout) as { entries: Entry[] }).entries;
const defaultEntry = () => entries().find((e) => e.isDefault)!;

describe.skipIf(skip !== undefined)('moss boot entries for an image root', () => {
  it('refuses to guess the ESP of an image', () => {
    const r = m('boot', 'sync');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--boot-dir');
  });

  it('writes an entry per state once the ESP is named, and keeps it in step with transactions', () => {
    expect(m('install', S.base!, S.k1!, '-y').status).toBe(0);
    const first = m('boot', 'sync', '--boot-dir', esp);
    expect(first.status, first.stderr).toBe(0);
    expect(readFileSync(join(root, 'etc/moss/boot.yaml'), 'utf8')).toContain(`boot-dir: ${esp}`);
    expect(defaultEntry().options).toContain('moss.fstx=1');
    expect(defaultEntry().options).toContain('quiet');
    // The next transaction refreshes the menu by itself: state 2 boots by default.
    expect(m('install', S.k2!, '-y').status).toBe(0);
    const e = entries();
    expect(defaultEntry().options).toContain('moss.fstx=2');
    expect(defaultEntry().linux).toMatch(/6\.12\.2/);
    expect(e.map((x) => x.stateId).sort()).toEqual(['1', '2']);
  });

  it('moves the default entry on rollback and drops the entries of pruned states', () => {
    expect(m('state', 'activate', '1').status).toBe(0);
    expect(defaultEntry().options).toContain('moss.fstx=1');
    expect(m('state', 'activate', '2').status).toBe(0);
    const pruned = m('state', 'prune', '--keep', '1', '-y');
    expect(pruned.status, pruned.stderr).toBe(0);
    expect(entries().map((x) => x.stateId)).toEqual(['2']);
    // The kernel only state 1 used is gone from the ESP; state 2's is there.
    const files = readdirSync(join(esp), { recursive: true }).map(String);
    expect(files.some((f) => f.includes('6.12.1'))).toBe(false);
    expect(files.some((f) => f.includes('6.12.2'))).toBe(true);
    expect(existsSync(join(root, '.moss/root/1'))).toBe(false);
  });
});
