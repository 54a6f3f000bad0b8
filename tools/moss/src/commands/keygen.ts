import { resolve } from 'node:path';
import { type Command, EXIT } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
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
  async run({ args, globals, io }) {
    const file = args.positionals[0];
    if (file === undefined || args.positionals.length > 1)
      throw new UsageError('moss keygen: give one FILE for the secret key', 'see `moss keygen --help`');
    const path = resolve(file);
    const key = await writeKeyPair(path);
    if (globals.json === true) {
      io.stdout(
        `${JSON.stringify({ keyId: key.id, secretKey: path, publicKey: publicKeyPathFor(path), public: key.publicKey.base64 })}\n`,
      );
    } else {
      io.stdout(
        `Secret key ${key.id} written to ${path} (keep it secret)\n` +
          `Public key written to ${publicKeyPathFor(path)}:\n  ${key.publicKey.base64}\n`,
      );
    }
    return EXIT.ok;
  },
};
