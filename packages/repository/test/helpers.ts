import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PackageMeta, writePackage } from '@serpent/stone';

/** `../shared` beside the repository, where the real fixtures live (never copied into the repo). */
export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
export const HAVE_SHARED = existsSync(join(SHARED, 'fixtures'));
export const SKIP_REASON = 'the ../shared folder with the real fixtures is not beside this checkout';

export async function tempDir(label: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `serpent-repository-${label}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function meta(name: string, release = 1, extra: Partial<PackageMeta> = {}): PackageMeta {
  return {
    name,
    version: '1.0',
    release,
    buildRelease: 1,
    architecture: 'x86_64',
    summary: `${name} summary`,
    description: `${name} does things.`,
    homepage: `https://example.invalid/${name}`,
    sourceId: name,
    licenses: ['MPL-2.0'],
    depends: [{ kind: 'soname', name: 'libc.so.6(x86_64)' }],
    provides: [{ kind: 'binary', name }],
    conflicts: [],
    ...extra,
  };
}

/** Writes a small real stone at `dir/rel` with one file of `payload` bytes. */
export async function makeStone(
  dir: string,
  rel: string,
  m: PackageMeta,
  payload = `${m.name}\n`,
): Promise<string> {
  const path = join(dir, rel);
  await mkdir(dirname(path), { recursive: true });
  await writePackage(path, {
    meta: m,
    level: 3,
    entries: [
      { type: 'directory', target: 'bin', mode: 0o755 },
      { type: 'regular', target: `bin/${m.name}`, mode: 0o755, content: new TextEncoder().encode(payload) },
    ],
  });
  return path;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 with a swappable handler. */
export async function httpServer(handler: Handler): Promise<{
  url: string;
  server: Server;
  setHandler: (h: Handler) => void;
  close: () => Promise<void>;
}> {
  let current = handler;
  const server = createServer((req, res) => current(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    setHandler: (h) => {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
