import { resolve } from 'node:path';
import { type Command, commandReport, flagString } from '@serpent/cli';
import { readSecretKey, writeIndex } from '@serpent/repository';

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
  async run(ctx) {
    const report = commandReport(ctx);
    const dir = resolve(ctx.args.positionals[0]!);
    const signWith = flagString(ctx.args, 'sign');
    // The key is read first: a key that cannot be used stops the run before the index is touched.
    const key = signWith === undefined ? undefined : await readSecretKey(resolve(signWith));
    const t0 = performance.now();
    const r = await writeIndex(dir, {
      ...(key ? { sign: key } : {}),
      onEvent: (e) => {
        if (e.type === 'superseded') report.note(`note: ${e.path} is superseded by ${e.by}`);
        if (e.type === 'warning') report.warn(`${e.path}: ${e.message}`);
      },
    });
    const ms = Math.round(performance.now() - t0);
    const v = (p: { version: string; release: number }) => `${p.version}-${p.release}`;
    const summary = {
      path: r.path,
      packages: r.packages.length,
      added: r.added.map((p) => p.name),
      updated: r.updated.map((u) => u.after.name),
      dropped: r.dropped.map((p) => p.name),
      unchanged: r.unchanged,
      hashed: r.hashed,
      reused: r.reused,
      ...(r.signature
        ? { signature: r.signature.path, keyId: r.signature.keyId, signedAt: r.signature.timestamp }
        : {}),
      ms,
    };
    report.result(summary, () => [
      ...r.added.map((p) => `  added    ${p.name} ${v(p)}`),
      ...r.updated.map((u) => `  updated  ${u.after.name} ${v(u.before)} → ${v(u.after)}`),
      ...r.dropped.map((p) => `  dropped  ${p.name} ${v(p)}`),
      `Wrote ${r.path}: ${r.packages.length} package(s); ${r.added.length} added, ${r.updated.length} updated, ${r.dropped.length} dropped, ${r.unchanged} unchanged (${r.hashed} hashed, ${r.reused} reused) in ${ms} ms`,
      ...(r.signature
        ? [
            `Signed it with key ${r.signature.keyId}: ${r.signature.path} (timestamp ${r.signature.timestamp})`,
          ]
        : []),
    ]);
  },
};
