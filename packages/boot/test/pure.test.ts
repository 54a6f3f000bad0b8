import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  decodeEfiString,
  parseBootEntry,
  parseCmdlineSnippet,
  parseMountInfo,
  parseOsRelease,
  planBootEntries,
  renderBootEntry,
  selectStates,
} from './imports.js';

describe('os-release', () => {
  it('reads quoted values and falls back from PRETTY_NAME to NAME', () => {
    expect(parseOsRelease('# c\nNAME="Serpent OS"\nID=serpentos\nVERSION_ID=\'0.24.6\'\n')).toEqual({
      id: 'serpentos',
      name: 'Serpent OS',
      prettyName: 'Serpent OS',
      versionId: '0.24.6',
    });
    expect(parseOsRelease('NAME="A \\"B\\""\nID=a\nPRETTY_NAME="A 1"').prettyName).toBe('A 1');
  });
  it('is undefined without NAME or with an ID unusable in file names', () => {
    expect(parseOsRelease('ID=x\n')).toBeUndefined();
    expect(parseOsRelease('NAME=x\nID="a b"\n')).toBeUndefined();
  });
});

describe('command-line snippets', () => {
  it('drops comment and blank lines and joins with one space (blsforme kept double spaces)', () => {
    expect(parseCmdlineSnippet('quiet\n')).toBe('quiet');
    expect(parseCmdlineSnippet('# Ensure amdgpu\nradeon.si_support=0 amdgpu.si_support=1\n')).toBe(
      'radeon.si_support=0 amdgpu.si_support=1',
    );
    expect(parseCmdlineSnippet('  a  \n\n  b # c\n')).toBe('a b # c');
  });
});

describe('version order (systemd-boot)', () => {
  it('compares numbers numerically, puts ~ first and numbers after letters', () => {
    const sorted = ['6.12.9', '6.12.10', '6.9.1', '6.12.10~rc1', '6.12.10-1', '6.12.10a', '6.12.10.1'].sort(
      compareVersions,
    );
    expect(sorted).toEqual([
      '6.9.1',
      '6.12.9',
      '6.12.10~rc1',
      '6.12.10',
      '6.12.10a',
      '6.12.10-1',
      '6.12.10.1',
    ]);
    expect(compareVersions('252.39-1~deb12u2', '252.39-1~deb12u2')).toBe(0);
    expect(compareVersions('256.1', '252.39-1~deb12u2')).toBeGreaterThan(0);
  });
});

describe('efivars', () => {
  it("decodes blsforme's LoaderDevicePartUUID fixture bytes", () => {
    const bytes = Buffer.concat([
      Buffer.from([6, 0, 0, 0]),
      Buffer.from('0698393A-B99A-4919-9770-64F56D1C0177\0', 'utf16le'),
    ]);
    expect(decodeEfiString(bytes)).toBe('0698393A-B99A-4919-9770-64F56D1C0177');
  });
  it('rejects a value with an odd number of text bytes', () => {
    expect(() => decodeEfiString(Buffer.from([6, 0, 0, 0, 65]))).toThrow(/attribute bytes/);
  });
});

describe('mountinfo', () => {
  it('parses optional fields, the separator and octal escapes', () => {
    const [m] = parseMountInfo(
      '36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n',
    );
    expect(m).toEqual({
      devno: '98:0',
      fsRoot: '/mnt1',
      mountPoint: '/mnt two',
      fsType: 'ext3',
      source: '/dev/root',
      superOptions: ['rw', 'errors=continue'],
    });
  });
});

describe('entries', () => {
  const os = { id: 'serpentos', name: 'Serpent OS', prettyName: 'Serpent OS 0.24.6', versionId: undefined };
  const kernel = (version: string, hash: string) => ({
    kernel: {
      version,
      image: `/t/${version}/vmlinuz`,
      initrds: [`/t/${version}/50-default.initrd`],
      cmdline: ['quiet'],
      layout: 'lib/kernel' as const,
    },
    imageHash: hash.repeat(64),
    initrdHashes: ['e'.repeat(64)],
  });

  it('gives the first state rank 0 so systemd-boot boots it, names the state in the title, hashes file names', () => {
    const plan = planBootEntries({
      token: 'serpentos',
      osName: undefined,
      rootArguments: ['root=PARTUUID=P'],
      states: [
        {
          id: '9',
          createdAt: new Date('2026-11-01T10:00:00Z'),
          summary: 'rollback',
          os,
          kernels: [kernel('6.12.15-84.desktop', 'a')],
          snippets: ['console=ttyS0'],
        },
        {
          id: '12',
          createdAt: new Date('2026-11-20T08:30:00Z'),
          summary: undefined,
          os,
          kernels: [kernel('6.12.16-85.desktop', 'b'), kernel('6.12.15-84.desktop', 'a')],
          snippets: [],
        },
      ],
    });
    expect(plan.entries.map((e) => [e.fileName, e.entry.sortKey])).toEqual([
      ['serpentos-9-6.12.15-84.desktop.conf', 'serpentos-00'],
      ['serpentos-12-6.12.16-85.desktop.conf', 'serpentos-01'],
      ['serpentos-12-6.12.15-84.desktop.conf', 'serpentos-01'],
    ]);
    const first = plan.entries[0]!.entry;
    expect(first.title).toBe('Serpent OS 0.24.6 - state 9 (2026-11-01 10:00 UTC, rollback)');
    expect(plan.entries[1]!.entry.title).toBe(
      'Serpent OS 0.24.6 - state 12 kernel 6.12.16-85.desktop (2026-11-20 08:30 UTC)',
    );
    expect(first.options).toBe('root=PARTUUID=P rw moss.fstx=9 quiet console=ttyS0');
    expect(first.linux).toBe(`/serpentos/6.12.15-84.desktop/vmlinuz-${'a'.repeat(16)}`);
    expect(first.initrd).toEqual([`/serpentos/6.12.15-84.desktop/50-default-${'e'.repeat(16)}.initrd`]);
    // The kernel both states ship is one file.
    expect(plan.files.map((f) => f.target).sort()).toEqual([
      `/serpentos/6.12.15-84.desktop/50-default-${'e'.repeat(16)}.initrd`,
      `/serpentos/6.12.15-84.desktop/vmlinuz-${'a'.repeat(16)}`,
      `/serpentos/6.12.16-85.desktop/50-default-${'e'.repeat(16)}.initrd`,
      `/serpentos/6.12.16-85.desktop/vmlinuz-${'b'.repeat(16)}`,
    ]);
  });

  it('renders BLS type 1 text that parses back, marked as ours', () => {
    const entry = {
      title: 'T  x',
      version: '1',
      sortKey: 's-00',
      linux: '/a/vmlinuz',
      initrd: ['/a/i1', '/a/i2'],
      options: 'root=X rw',
    };
    const text = renderBootEntry(entry);
    expect(text).toBe(
      '# Written by @serpent/boot (moss); replaced or removed by the next boot sync.\n' +
        'title T x\nversion 1\nsort-key s-00\nlinux /a/vmlinuz\ninitrd /a/i1\ninitrd /a/i2\noptions root=X rw\n',
    );
    expect(parseBootEntry(text)).toEqual({ ...entry, title: 'T x', ours: true });
    expect(parseBootEntry('title Other\nlinux /v\noptions a\noptions b\n').ours).toBe(false);
    expect(parseBootEntry('options a\noptions b\n').options).toBe('a b');
  });

  it('selects the default state and the keep newest others by creation time', () => {
    const s = (id: string, t: number) => ({ id, createdAt: new Date(t) });
    const all = [s('1', 1), s('2', 2), s('3', 3), s('4', 4), s('5', 5)];
    expect(selectStates(all, 2).map((x) => x.id)).toEqual(['5', '4', '3']);
    expect(selectStates(all, 2, '2').map((x) => x.id)).toEqual(['2', '5', '4']);
    expect(selectStates(all, 0, '9')).toEqual([]);
    // States made in one second (times are whole seconds) tie: the higher id is the newer.
    const tied = [s('7', 9000), s('8', 9000), s('9', 9000), s('10', 9000), s('6', 8000)];
    expect(selectStates(tied, 2).map((x) => x.id)).toEqual(['10', '9', '8']);
    expect(selectStates(tied, 3, '6').map((x) => x.id)).toEqual(['6', '10', '9', '8']);
  });
});
