import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSysRoot, tempDir } from './helpers.js';
import { discoverBootEnvironment, ESP_TYPE, parseGpt, XBOOTLDR_TYPE } from './imports.js';

// The GPTs here are written by a real peer, systemd-repart (Debian package systemd), and the
// parser is checked against the partition UUIDs it reports.
const repart = ['/usr/bin/systemd-repart', '/bin/systemd-repart'].find((p) => existsSync(p));
const skip = repart === undefined ? 'systemd-repart missing (apt-get install -y systemd)' : undefined;
if (skip !== undefined) console.warn(`GPT tests skipped: ${skip}`);

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface RepartRow {
  type: string;
  uuid: string;
  offset: number;
}

/** A 24 MiB disk image: ESP, XBOOTLDR, x86-64 root, as systemd-repart lays them out. */
function repartDisk(dir: string): { image: string; rows: RepartRow[] } {
  const defs = join(dir, 'defs');
  mkdirSync(defs, { recursive: true });
  writeFileSync(join(defs, '10-esp.conf'), '[Partition]\nType=esp\nSizeMinBytes=4M\nSizeMaxBytes=4M\n');
  writeFileSync(
    join(defs, '20-xbootldr.conf'),
    '[Partition]\nType=xbootldr\nSizeMinBytes=4M\nSizeMaxBytes=4M\n',
  );
  writeFileSync(join(defs, '30-root.conf'), '[Partition]\nType=root-x86-64\n');
  const image = join(dir, 'disk.img');
  const out = execFileSync(
    repart!,
    ['--empty=create', '--size=24M', '--dry-run=no', `--definitions=${defs}`, '--json=short', image],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return { image, rows: JSON.parse(out) as RepartRow[] };
}

describe.skipIf(skip !== undefined)(
  `GPT from systemd-repart${skip === undefined ? '' : ` (skipped: ${skip})`}`,
  () => {
    it('parses type GUIDs, partition UUIDs and offsets as systemd-repart reports them', () => {
      const t = tempDir('gpt');
      cleanups.push(t.cleanup);
      const { image, rows } = repartDisk(t.dir);
      const parts = parseGpt(readFileSync(image).subarray(0, 64 * 1024));
      expect(parts?.map((p) => [p.number, p.typeGuid, p.partUuid, Number(p.firstLba) * 512])).toEqual([
        [1, ESP_TYPE, rows[0]!.uuid, rows[0]!.offset],
        [2, XBOOTLDR_TYPE, rows[1]!.uuid, rows[1]!.offset],
        [3, '4f68bce3-e8cd-4db1-96e7-fbcaf984b709', rows[2]!.uuid, rows[2]!.offset],
      ]);
      expect(parts?.map((p) => p.name)).toEqual(['esp', 'xbootldr', 'root-x86-64']);
    });

    it('does not trust a table whose CRC does not match', () => {
      const t = tempDir('gpt-bad');
      cleanups.push(t.cleanup);
      const bytes = readFileSync(repartDisk(t.dir).image).subarray(0, 64 * 1024);
      bytes[1024 + 20] = (bytes[1024 + 20]! + 1) & 0xff; // inside the first entry's partition UUID
      expect(parseGpt(bytes)).toBeUndefined();
      expect(parseGpt(new Uint8Array(4096))).toBeUndefined();
    });

    it('finds ESP, XBOOTLDR and root=PARTUUID from the disk itself when udev has no data', () => {
      const t = tempDir('gpt-sys');
      cleanups.push(t.cleanup);
      const { image, rows } = repartDisk(t.dir);
      const sysRoot = makeSysRoot(join(t.dir, 'sys'), {
        uefi: true,
        devices: [
          { name: 'vda', devno: '252:0' },
          { name: 'vda1', devno: '252:1', disk: 'vda', partition: 1 },
          { name: 'vda2', devno: '252:2', disk: 'vda', partition: 2 },
          { name: 'vda3', devno: '252:3', disk: 'vda', partition: 3 },
        ],
        mountinfo: '30 1 252:3 / / rw - ext4 /dev/vda3 rw\n40 30 252:1 / /efi rw - vfat /dev/vda1 rw\n',
      });
      // The disk node is the image file.
      mkdirSync(join(sysRoot, 'dev'), { recursive: true });
      writeFileSync(join(sysRoot, 'dev/vda'), readFileSync(image).subarray(0, 1024 * 1024));
      const env = discoverBootEnvironment({ sysRoot });
      expect(env.esp).toEqual({
        device: '/dev/vda1',
        partUuid: rows[0]!.uuid,
        mountPoint: '/efi',
        foundBy: 'partition-type',
      });
      expect(env.xbootldr?.partUuid).toBe(rows[1]!.uuid);
      expect(env.rootArguments).toEqual([`root=PARTUUID=${rows[2]!.uuid}`]);
    });
  },
);
