import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '@serpent/durable';
import { TransactionError } from '../transaction-error.js';

/** The YAML library, loaded when a config file is read or written (most roots have none). */
const yaml = () => createRequire(import.meta.url)('yaml') as typeof import('yaml');

/** `<root>/etc/moss/boot.yaml`: where the boot partitions of this root are and how many states get entries. */
export interface BootConfig {
  /** The ESP directory. Required for a root other than `/` (an image); never the host's. */
  readonly bootDir?: string;
  readonly xbootldrDir?: string;
  /** Older states that get entries besides the active one (default 4, as moss). */
  readonly keep?: number;
}

export function bootConfigPath(root: string): string {
  return join(root, 'etc', 'moss', 'boot.yaml');
}

export function readBootConfig(root: string): BootConfig {
  const file = bootConfigPath(root);
  if (!existsSync(file)) return {};
  let doc: unknown;
  try {
    doc = yaml().parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new TransactionError('TX_ROOT_INVALID', `${file} is not valid YAML`, {
      cause,
      hint: 'fix or remove it',
      details: { file },
    });
  }
  if (doc === null || doc === undefined) return {};
  const d = doc as Record<string, unknown>;
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
  const keep = typeof d.keep === 'number' && Number.isInteger(d.keep) && d.keep >= 0 ? d.keep : undefined;
  return {
    ...(str('boot-dir') ? { bootDir: str('boot-dir')! } : {}),
    ...(str('xbootldr-dir') ? { xbootldrDir: str('xbootldr-dir')! } : {}),
    ...(keep !== undefined ? { keep } : {}),
  };
}

export function writeBootConfig(root: string, config: BootConfig): void {
  const file = bootConfigPath(root);
  mkdirSync(dirname(file), { recursive: true });
  const doc: Record<string, unknown> = {};
  if (config.bootDir) doc['boot-dir'] = config.bootDir;
  if (config.xbootldrDir) doc['xbootldr-dir'] = config.xbootldrDir;
  if (config.keep !== undefined) doc.keep = config.keep;
  writeFileAtomicSync(
    file,
    `# Boot partitions of this root, for moss (see \`moss boot --help\`).\n${yaml().stringify(doc)}`,
  );
}
