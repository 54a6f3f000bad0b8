import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fdSource, isElf, readElf } from '../src/index.ts';

const haveReadelf = spawnSync('readelf', ['--version']).status === 0;
const haveCc = spawnSync('cc', ['--version']).status === 0;

/** What binutils' readelf says, the independent reading we compare against. */
function readelfFacts(path: string) {
  const dyn = execFileSync('readelf', ['-dW', path], { encoding: 'utf8' });
  const pick = (tag: string) =>
    [...dyn.matchAll(new RegExp(`\\(${tag}\\)\\s+\\S+.*?\\[(.*)\\]`, 'g'))].map((m) => m[1] ?? '');
  const hdr = execFileSync('readelf', ['-lW', path], { encoding: 'utf8' });
  const interp = /Requesting program interpreter: (.*)\]/.exec(hdr)?.[1];
  const notes = spawnSync('readelf', ['-nW', path], { encoding: 'utf8' }).stdout;
  const buildId = /Build ID: ([0-9a-f]+)/.exec(notes)?.[1];
  return {
    needed: pick('NEEDED'),
    soname: pick('SONAME')[0],
    rpath: pick('RPATH').flatMap((s) => s.split(':')),
    runpath: pick('RUNPATH').flatMap((s) => s.split(':')),
    interp,
    buildId,
  };
}

const hostFiles = ['/usr/bin/ls', '/usr/bin/env', '/usr/bin/gcc', '/usr/lib/x86_64-linux-gnu/libc.so.6']
  .concat(
    existsSync('/usr/lib/x86_64-linux-gnu')
      ? readdirSync('/usr/lib/x86_64-linux-gnu')
          .filter((f) => /^lib(z|ssl|crypto|stdc\+\+|m|zstd|sqlite3)\.so\.\d+$/.test(f))
          .map((f) => `/usr/lib/x86_64-linux-gnu/${f}`)
      : [],
  )
  .filter((p) => existsSync(p))
  .map((p) => realpathSync(p));

describe.skipIf(!haveReadelf)('readElf against binutils readelf on this machine', () => {
  it('has real ELF files to read', () => {
    expect(hostFiles.length).toBeGreaterThan(4);
  });
  for (const path of hostFiles) {
    it(`reads ${path} like readelf`, () => {
      const info = readElf(readFileSync(path), path);
      const want = readelfFacts(path);
      expect(info).toBeDefined();
      expect(info?.isa).toBe('x86_64');
      expect(info?.bits).toBe(64);
      expect(info?.needed).toEqual(want.needed);
      expect(info?.soname).toBe(want.soname);
      expect(info?.rpath).toEqual(want.rpath);
      expect(info?.runpath).toEqual(want.runpath);
      expect(info?.interpreter).toBe(want.interp);
      expect(info?.buildId).toBe(want.buildId);
      // Reading only the needed ranges from the file gives the same answer.
      const fd = openSync(path, 'r');
      try {
        expect(readElf(fdSource(fd, fstatSync(fd).size), path)).toEqual(info);
      } finally {
        closeSync(fd);
      }
    });
  }
});

describe.skipIf(!haveCc)('objects built here', () => {
  const dir = mkdtempSync(join(tmpdir(), 'elf-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads soname, runpath and rpath that the linker wrote', () => {
    writeFileSync(join(dir, 'a.c'), 'int answer(void) { return 42; }\n');
    writeFileSync(join(dir, 'm.c'), 'int answer(void);\nint main(void) { return answer() - 42; }\n');
    execFileSync('cc', [
      '-shared',
      '-fPIC',
      '-Wl,-soname,libanswer.so.7',
      '-o',
      join(dir, 'libanswer.so.7.0'),
      join(dir, 'a.c'),
    ]);
    execFileSync('ln', ['-s', 'libanswer.so.7.0', join(dir, 'libanswer.so')]);
    execFileSync('cc', [
      '-o',
      join(dir, 'run'),
      join(dir, 'm.c'),
      `-L${dir}`,
      '-lanswer',
      '-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib:/opt/x',
    ]);
    execFileSync('cc', [
      '-o',
      join(dir, 'old'),
      join(dir, 'm.c'),
      `-L${dir}`,
      '-lanswer',
      '-Wl,--disable-new-dtags,-rpath,/opt/old',
    ]);
    const lib = readElf(readFileSync(join(dir, 'libanswer.so.7.0')));
    expect(lib?.soname).toBe('libanswer.so.7');
    expect(lib?.type).toBe(3);
    const run = readElf(readFileSync(join(dir, 'run')));
    expect(run?.needed).toContain('libanswer.so.7');
    expect(run?.runpath).toEqual(['$ORIGIN/../lib', '/opt/x']);
    expect(run?.rpath).toEqual([]);
    expect(run?.interpreter).toMatch(/ld-linux-x86-64\.so\.2$/);
    const old = readElf(readFileSync(join(dir, 'old')));
    expect(old?.rpath).toEqual(['/opt/old']);
    expect(old?.runpath).toEqual([]);
  });
});

describe('hostile and foreign input', () => {
  it('says undefined for bytes that are not ELF', () => {
    expect(readElf(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toBeUndefined();
    expect(isElf(new Uint8Array([0x7f, 0x45]))).toBe(false);
  });

  it('refuses a truncated ELF with ELF_TRUNCATED naming the file', () => {
    const real = readFileSync(realpathSync('/usr/bin/ls'));
    for (const cut of [20, 64, 200, 2000]) {
      expect(() => readElf(real.subarray(0, cut), 'ls-cut')).toThrow(
        expect.objectContaining({ code: 'ELF_TRUNCATED' }),
      );
    }
  });

  it('refuses an unknown class', () => {
    const real = Buffer.from(readFileSync(realpathSync('/usr/bin/ls')));
    real[4] = 9;
    expect(() => readElf(real, 'weird')).toThrow(expect.objectContaining({ code: 'ELF_BAD_HEADER' }));
  });

  it('never throws anything but an ElfError on random corruption', () => {
    const real = readFileSync(realpathSync('/usr/bin/ls'));
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let round = 0; round < 2000; round++) {
      const copy = Buffer.from(real.subarray(0, 8192));
      for (let i = 0; i < 8; i++) copy[8 + (rand() % 600)] = rand() & 0xff;
      try {
        readElf(copy, 'fuzz');
      } catch (e) {
        expect(String((e as { code?: string }).code ?? e)).toMatch(/^ELF_/);
      }
    }
  });
});
