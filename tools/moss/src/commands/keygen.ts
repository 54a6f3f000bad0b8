import { resolve } from 'node:path';
import { type Command, commandReport } from '@serpent/cli';
import { publicKeyPathFor, writeKeyPair } from '@serpent/repository';

export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'Make a key pair for signing repository indexes (minisign format)',
  synopsis: 'FILE',
  description:
    'Writes a new Ed25519 secret key to FILE (mode 0600, unencrypted) and its public key to\n' +
    "FILE.pub, both in minisign's formats, so `minisign` can sign and verify with them too.\n" +
    'Nothing is ever overwritten. Sign an index with `moss index DIR --sign FILE`; clients trust\n' +
    'it with `moss repo add NAME URI --key FILE.pub`.',
  examples: [
    ['moss keygen /srv/keys/repo.key', 'writes repo.key and repo.key.pub'],
    ['moss index /srv/repo --sign /srv/keys/repo.key', 'then sign the index with it'],
  ],
  async run(ctx) {
    const report = commandReport(ctx);
    const path = resolve(ctx.args.positionals[0]!);
    const key = await writeKeyPair(path);
    report.result(
      { keyId: key.id, secretKey: path, publicKey: publicKeyPathFor(path), public: key.publicKey.base64 },
      `Secret key ${key.id} written to ${path} (keep it secret)\n` +
        `Public key written to ${publicKeyPathFor(path)}:\n  ${key.publicKey.base64}`,
    );
  },
};
