import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { type Lock, parseLock, schemaOf, serializeLock } from '../src/index.ts';
import { hashOf, locked } from './helpers.ts';

const lock: Lock = {
  format: 'moss-lock',
  version: 1,
  generator: 'moss 0.1.0',
  state: { id: 3, created: '2026-11-01T10:00:00.000Z', summary: 'Install' },
  repositories: [
    {
      name: 'main',
      uri: 'https://example.invalid/x86_64/stone.index',
      priority: 10,
      indexSha256: 'a'.repeat(64),
    },
  ],
  packages: [
    locked({ name: 'zlib' }, false, { repository: 'main', uri: 'z/zlib.stone', size: 1234 }),
    locked({ name: 'nano' }, true, { repository: 'main', uri: 'n/nano.stone', size: 99 }),
  ],
};

const fails = (text: string) => {
  try {
    parseLock(text, 'sys.lock');
  } catch (e) {
    return e as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('parsed');
};

describe('lock files', () => {
  it('serialises deterministically, one line per package, and parses back', () => {
    const text = serializeLock(lock);
    expect(serializeLock({ ...lock, packages: [...lock.packages].reverse() })).toBe(text);
    const lines = text.split('\n');
    expect(lines[1]).toBe('  "format": "moss-lock",');
    expect(lines.filter((l) => l.includes('"hash"'))).toHaveLength(2);
    expect(lines.find((l) => l.includes('"nano"'))).toBe(
      `    { "name": "nano", "version": "1.1", "release": 1, "buildRelease": 1, "hash": "${hashOf('nano')}", "explicit": true, "repository": "main", "uri": "n/nano.stone", "size": 99 },`,
    );
    const back = parseLock(text, 'sys.lock');
    expect(back.packages.map((p) => p.name)).toEqual(['nano', 'zlib']);
    expect(serializeLock(back)).toBe(text);
  });

  it('is valid against the shipped JSON Schema with a plain ajv, as any tool would check it', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../schema/moss-lock-1.schema.json', import.meta.url), 'utf8'),
    ) as object;
    expect(schema).toEqual(schemaOf('lock'));
    const validate = new Ajv({ strict: true }).compile(schema);
    expect(validate(JSON.parse(serializeLock(lock)))).toBe(true);
  });

  it('names the field and the package of a bad entry', () => {
    const bad = serializeLock(lock).replace(hashOf('zlib'), 'not-a-hash');
    const e = fails(bad);
    expect(e.code).toBe('LOCK_INVALID');
    expect(e.message).toMatch(/^sys\.lock: packages › 1 › hash must match pattern .* \(package zlib\)$/);
    expect(
      fails(serializeLock(lock).replace('"explicit": true', '"explicit": true, "pinned": 1')).message,
    ).toContain('unknown key "pinned"');
  });

  it('refuses what a schema cannot say: a name twice, a hash twice, an unlisted repository', () => {
    const twice = { ...lock, packages: [...lock.packages, locked({ name: 'nano', release: 2 }, true)] };
    expect(fails(serializeLock(twice)).message).toContain('package nano is listed twice');
    const sameHash = {
      ...lock,
      packages: [lock.packages[0]!, { ...lock.packages[1]!, hash: lock.packages[0]!.hash }],
    };
    expect(fails(serializeLock(sameHash)).message).toContain('have the same hash');
    const orphan = { ...lock, packages: [{ ...lock.packages[0]!, repository: 'gone' }] };
    expect(fails(serializeLock(orphan)).message).toContain(
      'names repository gone, which the lock does not list',
    );
  });

  it('says when a lock is not JSON, or of a newer version', () => {
    expect(fails('{"format": ').code).toBe('LOCK_BAD_JSON');
    const v2 = fails(serializeLock(lock).replace('"version": 1', '"version": 2'));
    expect(v2.code).toBe('LOCK_UNSUPPORTED_VERSION');
    expect(v2.message).toBe('sys.lock: lock version 2, and this moss reads version 1');
  });
});

describe('lock file fields that go together', () => {
  it('wants a package uri to come with its repository and size', () => {
    const text = serializeLock({ ...lock, packages: [{ ...lock.packages[0]!, size: undefined }] });
    expect(() => parseLock(text, 'sys.lock')).toThrow(/when property uri is present \(package zlib\)$/);
  });
});
