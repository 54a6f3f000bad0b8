import { existsSync, readFileSync } from 'node:fs';
import { type Command, flagInt, flagString } from '@serpent/cli';
import type { RepositoryInfo } from '@serpent/system';
import { withRoot } from './with-root.js';

const add: Command = {
  name: 'add',
  aliases: ['ar'],
  summary: 'Add a repository and fetch its index (if that fails, nothing stays configured)',
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
    const [id, uri] = ctx.args.positionals as [string, string];
    const description = flagString(ctx.args, 'comment');
    const priority = flagInt(ctx.args, 'priority', 0, 'moss repo add');
    const given = ctx.args.flags.key;
    // A path to a .pub file, or the key itself (checked by the repository config either way).
    const keys = (given === undefined ? [] : Array.isArray(given) ? given : [String(given)]).map((k) =>
      existsSync(k) ? readFileSync(k, 'utf8') : k,
    );
    return withRoot(ctx, async (root, report) => {
      const r = await root.repositories.add({
        id,
        uri,
        priority,
        ...(description ? { description } : {}),
        ...(keys.length > 0 ? { keys } : {}),
      });
      report.result(
        r,
        `${r.repo} added${r.keyIds.length > 0 ? `, trusting key ${r.keyIds.join(', ')}` : ''}`,
      );
    });
  },
};

/** The trust line of a repository with keys, for `repo list`. */
function trust(r: RepositoryInfo): string[] {
  if (r.keyIds.length === 0) return [];
  const state = r.trusted
    ? `index signed by ${r.signedBy}${r.signedAt ? ` at ${new Date(r.signedAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')}` : ''}`
    : r.fetchedAt
      ? 'the cached index is not verified by these keys and is not used: run `moss repo update`'
      : 'no index yet';
  return [`  trusted keys: ${r.keyIds.join(', ')}; ${state}`];
}

const fresh = (r: RepositoryInfo) =>
  r.fetchedAt
    ? `${r.packages} package(s), fetched ${r.fetchedAt.toISOString()}`
    : 'never fetched: run `moss repo update`';

const list: Command = {
  name: 'list',
  aliases: ['lr'],
  summary: 'List the repositories, highest priority first',
  examples: [['moss repo list --json', 'with their cache state, as JSON']],
  run: (ctx) =>
    withRoot(ctx, async (root, report) => {
      const { repositories, problems } = await root.repositories.list();
      for (const p of problems) report.warn(`${p.file}: ${p.message}`);
      report.list(repositories, {
        json: (r) => r,
        row: (r) => [
          [
            `- ${r.id} = ${r.uri} [${r.priority}]${r.active ? '' : ' (disabled)'} (${r.scope}; ${fresh(r)})`,
            ...trust(r),
          ].join('\n'),
        ],
        empty: 'No repositories have been configured yet',
      });
    }),
};

/** remove, enable, disable: one name, one call, one line. */
const oneRepo = (
  name: 'remove' | 'enable' | 'disable',
  alias: string,
  summary: string,
  done: string,
): Command => ({
  name,
  aliases: [alias],
  summary,
  synopsis: 'NAME',
  async run(ctx) {
    const id = ctx.args.positionals[0]!;
    return withRoot(ctx, async (root, report) => {
      await root.repositories[name](id);
      report.result(
        { repo: id, [name === 'remove' ? 'removed' : 'active']: name !== 'disable' },
        `${id} ${done}`,
      );
    });
  },
});

const update: Command = {
  name: 'update',
  aliases: ['ur'],
  summary: 'Fetch the index of one or every active repository',
  synopsis: '[NAME...]',
  examples: [
    ['moss repo update', 'refresh every active repository'],
    ['moss repo update volatile', 'just one'],
  ],
  run: (ctx) =>
    withRoot(ctx, async (root, report) => {
      report.result(await root.repositories.refresh(ctx.args.positionals), '');
    }),
};

export const repoCommand: Command = {
  name: 'repo',
  summary: 'Manage repositories: add, list, remove, enable, disable, update',
  subcommands: [
    add,
    list,
    oneRepo('remove', 'rr', 'Remove a repository and its cached index', 'removed'),
    oneRepo('enable', 'er', 'Use a repository again', 'enabled'),
    oneRepo('disable', 'dr', 'Stop using a repository (its configuration stays)', 'disabled'),
    update,
  ],
};
