import { existsSync, readFileSync } from 'node:fs';
import { type Command, type CommandContext, EXIT, flagInt, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { addRepository, parsePublicKey, removeRepository, setRepositoryActive } from '@serpent/repository';
import { refreshRepositories, repositoryStatus } from '@serpent/system';
import { rootOf, withRoot } from './open-root.js';

function oneName(ctx: CommandContext, command: string): string {
  const name = ctx.args.positionals[0];
  if (name === undefined || ctx.args.positionals.length > 1)
    throw new UsageError(`${command}: give one repository name`, `see \`${command} --help\``);
  return name;
}

async function refresh(ctx: CommandContext, ids?: string[]): Promise<void> {
  await withRoot(ctx, async () => {
    await refreshRepositories(rootOf(ctx), {
      ...(ids ? { ids } : {}),
      onEvent: (e) => {
        if (ctx.globals.json === true) return;
        if (e.type === 'refreshing') ctx.io.stderr(`Refreshing ${e.repo}\n`);
        else if (e.type === 'refreshed') {
          ctx.io.stdout(
            `Refreshed ${e.repo}: ${e.packages} package(s)${e.notModified ? ' (unchanged)' : ''} in ${e.ms} ms\n`,
          );
        } else if (e.event.type === 'retry')
          ctx.io.stderr(`  retrying ${e.event.url} (attempt ${e.event.attempt}): ${e.event.reason}\n`);
      },
    });
  });
}

const add: Command = {
  name: 'add',
  aliases: ['ar'],
  summary: 'Add a repository and fetch its index',
  synopsis: 'NAME URI',
  flags: {
    comment: { short: 'c', value: true, placeholder: 'TEXT', description: 'A description of the repository' },
    priority: {
      short: 'p',
      value: true,
      placeholder: 'N',
      description: 'Higher wins when several offer a package (default 0)',
    },
    key: {
      value: true,
      multiple: true,
      placeholder: 'PUBKEY',
      description:
        'Trust this minisign public key (its RW… line, or a .pub file); repeat for two keys during a rotation',
    },
  },
  examples: [
    [
      'moss repo add volatile https://packages.example.org/volatile/x86_64/stone.index',
      'a remote repository',
    ],
    ['moss repo add local file:///srv/repo/stone.index -p 10', 'a local one that wins over the others'],
    [
      'moss repo add volatile https://packages.example.org/volatile/x86_64/stone.index --key repo.key.pub',
      'only accept an index signed by this key',
    ],
  ],
  async run(ctx) {
    const [name, uri] = ctx.args.positionals;
    if (name === undefined || uri === undefined)
      throw new UsageError('moss repo add: give a NAME and a URI', 'see `moss repo add --help`');
    const given = ctx.args.flags.key;
    const keys = (given === undefined ? [] : Array.isArray(given) ? given : [given]).map((k) =>
      // A path to a .pub file, or the key itself.
      existsSync(String(k)) ? parsePublicKey(readFileSync(String(k), 'utf8'), String(k)).base64 : String(k),
    );
    const repo = await addRepository(rootOf(ctx), {
      id: name,
      uri,
      priority: flagInt(ctx.args, 'priority', 0, 'moss repo add'),
      ...(flagString(ctx.args, 'comment') ? { description: flagString(ctx.args, 'comment')! } : {}),
      keys,
    });
    ctx.io.stdout(
      `${repo.id} added${repo.keys.length > 0 ? `, trusting key ${repo.keys.map((k) => parsePublicKey(k).id).join(', ')}` : ''}\n`,
    );
    await refresh(ctx, [repo.id]);
    return EXIT.ok;
  },
};

const list: Command = {
  name: 'list',
  aliases: ['lr'],
  summary: 'List the repositories, highest priority first',
  examples: [['moss repo list --json', 'with their cache state, as JSON']],
  async run(ctx) {
    const { repositories, problems } = await repositoryStatus(rootOf(ctx));
    for (const p of problems) ctx.io.stderr(`warning: ${p.file}: ${p.message}\n`);
    if (ctx.globals.json === true) {
      ctx.io.stdout(`${JSON.stringify(repositories, null, 2)}\n`);
      return EXIT.ok;
    }
    if (repositories.length === 0) {
      ctx.io.stdout('No repositories have been configured yet\n');
      return EXIT.ok;
    }
    for (const r of repositories) {
      const fresh = r.fetchedAt
        ? `${r.packages} package(s), fetched ${r.fetchedAt.toISOString()}`
        : 'never fetched: run `moss repo update`';
      ctx.io.stdout(
        ` - ${r.id} = ${r.uri} [${r.priority}]${r.active ? '' : ' (disabled)'} (${r.scope}; ${fresh})\n`,
      );
      if (r.keys.length > 0) {
        const ids = r.keys.map((k) => parsePublicKey(k).id);
        const why = r.trusted
          ? `index signed by ${r.signedBy}${r.signedAt ? ` at ${new Date(r.signedAt * 1000).toISOString()}` : ''}`
          : r.fetchedAt
            ? 'the cached index is not verified by these keys and is not used: run `moss repo update`'
            : 'no index yet';
        ctx.io.stdout(`   trusted keys: ${ids.join(', ')}; ${why}\n`);
      }
    }
    return EXIT.ok;
  },
};

const remove: Command = {
  name: 'remove',
  aliases: ['rr'],
  summary: 'Remove a repository and its cached index',
  synopsis: 'NAME',
  async run(ctx) {
    const name = oneName(ctx, 'moss repo remove');
    await removeRepository(rootOf(ctx), name);
    ctx.io.stdout(`${name} removed\n`);
    return EXIT.ok;
  },
};

const toggle = (active: boolean): Command => ({
  name: active ? 'enable' : 'disable',
  aliases: [active ? 'er' : 'dr'],
  summary: active ? 'Use a repository again' : 'Stop using a repository (its configuration stays)',
  synopsis: 'NAME',
  async run(ctx) {
    const name = oneName(ctx, `moss repo ${active ? 'enable' : 'disable'}`);
    const r = await setRepositoryActive(rootOf(ctx), name, active);
    ctx.io.stdout(`${r.id} ${active ? 'enabled' : 'disabled'}\n`);
    return EXIT.ok;
  },
});

const update: Command = {
  name: 'update',
  aliases: ['ur'],
  summary: 'Fetch the index of one or every active repository',
  synopsis: '[NAME]',
  examples: [
    ['moss repo update', 'refresh every active repository'],
    ['moss repo update volatile', 'just one'],
  ],
  async run(ctx) {
    await refresh(ctx, ctx.args.positionals.length ? [...ctx.args.positionals] : undefined);
    return EXIT.ok;
  },
};

export const repoCommand: Command = {
  name: 'repo',
  summary: 'Manage repositories: add, list, remove, enable, disable, update',
  subcommands: [add, list, remove, toggle(true), toggle(false), update],
};
