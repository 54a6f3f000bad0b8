import { resolve } from 'node:path';
import { type Command, EXIT } from '@serpent/cli';
import { readSecretKey, signIndex, writeIndex } from '@serpent/repository';

export const indexCommand: Command = {
  name: 'index',
  aliases: ['ix'],
  summary: 'Write DIR/stone.index for every .stone under DIR, reusing unchanged entries',
  synopsis: 'DIR',
  description:
    'The index is byte-compatible with the original moss index. Stones whose size and mtime are\n' +
    'unchanged since the last run are not read again (a side-cache beside the index remembers\n' +
    'them). It reports what was added, updated and dropped against the previous index.\n' +
    'With --sign KEY it also writes DIR/stone.index.minisig, a minisign signature whose trusted\n' +
    'comment carries the signing time (clients refuse an index older than one they have seen).',
  flags: {
    sign: {
      value: true,
      placeholder: 'KEY',
      description: 'Sign the index with this secret key (`moss keygen`, or `minisign -G -W`)',
    },
  },
  examples: [
    ['moss index ./repo', 'index every stone under ./repo'],
    ['moss index ./repo --sign ~/keys/repo.key', 'and sign it'],
    ['moss -D /tmp/root repo add local file://$PWD/repo/stone.index', 'then use it as a repository'],
  ],
  async run({ args, globals, io }) {
    const dir = args.positionals[0];
    if (dir === undefined || args.positionals.length > 1) {
      io.stderr('moss index: give one directory\nUsage: moss index DIR\n');
      return EXIT.usage;
    }
    const signWith = typeof args.flags.sign === 'string' ? args.flags.sign : undefined;
    // The key is read first: a key that cannot be used stops the run before the index is touched.
    const key = signWith === undefined ? undefined : await readSecretKey(resolve(signWith));
    const t0 = performance.now();
    const r = await writeIndex(resolve(dir), {
      onEvent: (e) => {
        if (e.type === 'superseded' && globals.json !== true)
          io.stderr(`note: ${e.path} is superseded by ${e.by}\n`);
        if (e.type === 'warning') io.stderr(`warning: ${e.path}: ${e.message}\n`);
      },
    });
    const signed = key === undefined ? undefined : await signIndex(resolve(dir), key);
    const ms = Math.round(performance.now() - t0);
    if (globals.json === true) {
      io.stdout(
        `${JSON.stringify({
          path: r.path,
          packages: r.packages.length,
          added: r.added.map((p) => p.name),
          updated: r.updated.map((u) => u.after.name),
          dropped: r.dropped.map((p) => p.name),
          unchanged: r.unchanged,
          hashed: r.hashed,
          reused: r.reused,
          ...(signed ? { signature: signed.path, keyId: signed.keyId, signedAt: signed.timestamp } : {}),
          ms,
        })}\n`,
      );
      return EXIT.ok;
    }
    for (const p of r.added) io.stdout(`  added    ${p.name} ${p.version}-${p.release}\n`);
    for (const u of r.updated)
      io.stdout(
        `  updated  ${u.after.name} ${u.before.version}-${u.before.release} → ${u.after.version}-${u.after.release}\n`,
      );
    for (const p of r.dropped) io.stdout(`  dropped  ${p.name} ${p.version}-${p.release}\n`);
    io.stdout(
      `Wrote ${r.path}: ${r.packages.length} package(s); ${r.added.length} added, ${r.updated.length} updated, ${r.dropped.length} dropped, ${r.unchanged} unchanged (${r.hashed} hashed, ${r.reused} reused) in ${ms} ms\n`,
    );
    if (signed)
      io.stdout(`Signed it with key ${signed.keyId}: ${signed.path} (timestamp ${signed.timestamp})\n`);
    return EXIT.ok;
  },
};
