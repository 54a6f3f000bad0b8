import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BuildError } from '../build-error.js';
import { downloadFile } from '../download-file.js';
import { isArchive } from './source-metadata.js';

const run = promisify(execFile);

/** One upstream of a draft: where it came from, its hash, and where it unpacked (archives). */
export interface DraftSource {
  readonly url: string;
  readonly sha256: string;
  readonly fileName: string;
  /** The unpacked tree's top (the archive's single top directory, if it has one). */
  readonly root?: string;
}

export type DraftEvent =
  | { readonly type: 'draft-downloading'; readonly url: string }
  | {
      readonly type: 'draft-downloaded';
      readonly url: string;
      readonly bytes: number;
      readonly sha256: string;
    }
  | { readonly type: 'draft-warning'; readonly message: string };

/**
 * Downloads every URL into `workDir` (8 at a time, as the original) and unpacks the archives
 * with the host's tar (any compression it knows) or unzip, each into a directory of its own.
 */
export async function fetchSources(
  urls: readonly string[],
  workDir: string,
  onEvent: (e: DraftEvent) => void = () => {},
): Promise<DraftSource[]> {
  const out: DraftSource[] = new Array(urls.length);
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const i = next++;
      const url = urls[i]!;
      const fileName = decodeURIComponent(
        url
          .replace(/[?#].*$/, '')
          .replace(/\/+$/, '')
          .split('/')
          .pop() || 'upstream',
      );
      const dir = join(workDir, String(i));
      await mkdir(dir, { recursive: true });
      onEvent({ type: 'draft-downloading', url });
      const file = join(dir, fileName);
      const { sha256, bytes } = await downloadFile(url, file);
      onEvent({ type: 'draft-downloaded', url, bytes, sha256 });
      out[i] = {
        url,
        sha256,
        fileName,
        ...(isArchive(fileName) ? { root: await unpack(file, join(dir, 'tree')) } : {}),
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, urls.length) }, worker));
  return out;
}

async function unpack(file: string, dest: string): Promise<string> {
  await mkdir(dest, { recursive: true });
  try {
    if (/\.zip$/i.test(file)) await run('unzip', ['-q', file, '-d', dest]);
    else await run('tar', ['-xf', file, '-C', dest, '--no-same-owner', '--no-same-permissions']);
  } catch (cause) {
    throw new BuildError(
      'BUILD_DRAFT_FAILED',
      `cannot unpack ${file}: ${(cause as { stderr?: string }).stderr?.trim() || (cause as Error).message}`,
      {
        hint: 'check that the URL is a source archive (tar with any compression, or zip) and that tar/unzip are installed',
        details: { file },
        cause,
      },
    );
  }
  const entries = await readdir(dest, { withFileTypes: true });
  return entries.length === 1 && entries[0]!.isDirectory() ? join(dest, entries[0]!.name) : dest;
}
