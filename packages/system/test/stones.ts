import { join } from 'node:path';
import { parseDependency, type StoneEntryInput, writePackage } from '@serpent/stone';

/** A small real .stone: `files` maps paths under /usr to their text; `depends` names providers. */
export async function stone(
  dir: string,
  name: string,
  files: Readonly<Record<string, string>>,
  options: {
    depends?: readonly string[];
    release?: number;
    symlinks?: Readonly<Record<string, string>>;
  } = {},
): Promise<string> {
  const release = options.release ?? 1;
  const entries: StoneEntryInput[] = [
    ...Object.entries(files).map(
      ([target, text]): StoneEntryInput => ({
        type: 'regular',
        target,
        mode: 0o644,
        content: new TextEncoder().encode(text),
      }),
    ),
    ...Object.entries(options.symlinks ?? {}).map(
      ([target, source]): StoneEntryInput => ({ type: 'symlink', target, source }),
    ),
  ];
  const file = join(dir, `${name}-1.0-${release}-1-x86_64.stone`);
  await writePackage(file, {
    meta: {
      name,
      version: '1.0',
      release,
      buildRelease: 1,
      architecture: 'x86_64',
      summary: `${name} for the system tests`,
      description: `The ${name} package.`,
      homepage: 'https://example.org',
      sourceId: name,
      licenses: ['MPL-2.0'],
      depends: (options.depends ?? []).map((d) => parseDependency(d)!),
      provides: [],
      conflicts: [],
    },
    entries,
    level: 1,
  });
  return file;
}
