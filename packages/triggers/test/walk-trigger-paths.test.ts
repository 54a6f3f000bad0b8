// The pruned walk against a full listing of a real-shaped /usr on disk: the real trigger files
// must yield exactly the same commands either way, while the walk reads a fraction of it.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectCommands, loadTriggerFiles, type TriggerPath, walkTriggerPaths } from '../src/index.js';
import { haveFixtures, realTriggerFiles, skipReason } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'triggers-walk-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fullListing(usr: string): TriggerPath[] {
  const out: TriggerPath[] = [];
  const walk = (host: string, path: string) => {
    for (const d of readdirSync(host, { withFileTypes: true })) {
      if (path === '/usr' && d.name === '.stateID') continue;
      const p = `${path}/${d.name}`;
      const type = d.isDirectory() ? 'directory' : d.isSymbolicLink() ? 'symlink' : 'file';
      out.push({ path: p, type });
      if (type === 'directory') walk(join(host, d.name), p);
    }
  };
  walk(usr, '/usr');
  return out;
}

describe.skipIf(!haveFixtures)('walkTriggerPaths', () => {
  if (!haveFixtures) console.warn(`skipping walkTriggerPaths: ${skipReason}`);
  it('finds every path the real triggers match, reading only where they can match', async () => {
    const usr = join(work, 'usr');
    const files = [
      'lib/modules/6.12.1/kernel/fs/ext4.ko',
      'lib/modules/6.12.1/modules.order',
      'lib/libc.so.6',
      'lib/gio/modules/libdconf.so',
      'lib64/gio/modules/libgvfs.so',
      'share/glib-2.0/schemas/org.gnome.foo.gschema.xml',
      'share/fonts/dejavu/DejaVuSans.ttf',
      'share/info/bash.info.gz',
      'lib/tmpfiles.d/systemd.conf',
      'bin/bash',
      'share/.stateID',
      '.stateID',
    ];
    for (let i = 0; i < 500; i++)
      files.push(`share/doc/pkg${i % 50}/file${i}`, `include/pkg${i % 40}/h${i}.h`);
    for (const f of files) {
      mkdirSync(dirname(join(usr, f)), { recursive: true });
      writeFileSync(join(usr, f), '');
    }
    symlinkSync('libc.so.6', join(usr, 'lib/libc.so'));
    symlinkSync('lib', join(usr, 'lib32'));
    const loaded = await loadTriggerFiles(realTriggerFiles());
    expect(loaded.warnings).toEqual([]);
    const full = fullListing(usr);
    for (const scope of ['transaction', 'system'] as const) {
      const triggers = loaded.triggers.filter((t) => t.scope === scope);
      const walked = walkTriggerPaths(usr, triggers, new Set(['.stateID']));
      expect(collectCommands(triggers, walked, scope)).toEqual(collectCommands(triggers, full, scope));
      expect(collectCommands(triggers, walked, scope).length).toBeGreaterThan(0);
      // /usr/share/doc and /usr/include are never read.
      expect(walked.some((p) => p.path.startsWith('/usr/share/doc/'))).toBe(false);
      expect(walked.length).toBeLessThan(full.length / 10);
    }
  });
});
