import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_SHARED, MOSS_BUILT, moss, NO_SHARED, SHARED } from './support/paths.js';

const STONES = join(SHARED, 'fixtures', 'stone');
const BASH = join(STONES, 'bash-completion-2.11-1-1-x86_64.stone');
const skip = !HAVE_SHARED ? NO_SHARED : !MOSS_BUILT ? 'tools/moss is not built' : undefined;
if (skip) console.warn(`skipping moss inspect/extract e2e: ${skip}`);
const work = mkdtempSync(join(tmpdir(), 'moss-stone-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fixtures(): { file: string; expected: string }[] {
  if (!HAVE_SHARED) return [];
  const out: { file: string; expected: string }[] = [];
  for (const dir of [STONES, join(STONES, 'synthetic')]) {
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.json')) continue;
      const expected = [
        join(dir, `${name.replace(/\.stone$/, '')}.expected.json`),
        join(dir, `${name}.expected.json`),
      ].find(existsSync);
      if (expected) out.push({ file: join(dir, name), expected });
    }
  }
  return out;
}

describe.skipIf(skip !== undefined)('moss inspect', () => {
  for (const { file, expected } of fixtures()) {
    it(`--json prints exactly the expected structure of ${file.split('/').pop()}`, () => {
      const r = moss(['inspect', '--json', file]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(expected, 'utf8')));
    });
  }

  it('shows metadata, providers, payloads and the layout, and verifies on request', () => {
    const r = moss(['inspect', '--verify', BASH]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Name           bash-completion');
    expect(r.stdout).toContain('- cmake(bash-completion)');
    expect(r.stdout).toMatch(/Content\s+Zstd/);
    expect(r.stdout).toContain('Layout: 745 entries (474 regular, 271 symlink)');
    expect(r.stdout).toContain('Verified: every payload checksum and all 474 file contents match');
  });

  it('names the file and the problem for a damaged stone, with status 1', () => {
    const bad = join(work, 'damaged.stone');
    const bytes = readFileSync(BASH);
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(bad, bytes);
    const r = moss(['inspect', '--verify', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*damaged\.stone/);
    expect(r.stderr).toContain('hint:');
  });

  it('refuses a file that is not a stone', () => {
    const r = moss(['inspect', join(SHARED, 'DESIGN.md')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DESIGN.md');
  });
});

describe.skipIf(skip !== undefined)('moss extract', () => {
  it('unpacks files with their modes and symlinks into name-version-release.arch', () => {
    const out = join(work, 'out');
    const r = moss(['extract', BASH, '-o', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('474 files');
    const usr = join(out, 'bash-completion-2.11-1.x86_64', 'usr');
    const main = lstatSync(join(usr, 'share/bash-completion/bash_completion'));
    expect(main.isFile() && (main.mode & 0o777) === 0o644).toBe(true);
    expect(readlinkSync(join(usr, 'share/bash-completion/completions/7za'))).toBe('7z');
  });

  it('leaves nothing behind when the content is damaged', () => {
    const dir = join(work, 'bad');
    const bad = join(work, 'bad.stone');
    const bytes = readFileSync(BASH);
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(bad, bytes);
    const r = moss(['extract', bad, '-o', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bad.stone');
    expect(existsSync(join(dir, 'bash-completion-2.11-1.x86_64'))).toBe(false);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('says how to call it when no file is given', () => {
    const r = moss(['extract']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Usage: moss extract');
    copyFileSync(BASH, join(work, 'copy.stone'));
  });
});
