import { type Command, flagInt, flagString } from '@serpent/cli';
import type { BootStatus, BootSyncResult } from '@serpent/system';
import { withRoot } from './with-root.js';

const BOOT_FLAGS = {
  'boot-dir': {
    value: true,
    placeholder: 'DIR',
    description: 'The ESP directory (required for a root other than /)',
  },
  'xbootldr-dir': {
    value: true,
    placeholder: 'DIR',
    description: 'An XBOOTLDR directory for kernels and entries',
  },
} as const;

/** Titles, paths and options come from the root's files: one line each, shown whole by the report. */
function statusLines(s: BootStatus): string[] {
  const env = s.environment;
  return [
    `Mode       : ${s.mode}`,
    ...(env ? [`Firmware   : ${env.firmware}${env.loaderInfo ? ` (${env.loaderInfo})` : ''}`] : []),
    ...(env?.rootArguments ? [`Root       : ${env.rootArguments.join(' ')}`] : []),
    `ESP        : ${s.espDir ?? '(none)'}`,
    `Boot dir   : ${s.bootRoot ?? '(none)'}`,
    ...s.bootloader.map((b) => `Bootloader : ${b.path}${b.version ? ` (${b.version})` : ''}`),
    `Entries    : ${s.entries.length}`,
    ...s.entries.flatMap((e) => [
      `  ${e.isDefault ? '*' : ' '} ${e.title ?? e.path}${e.stateId ? `  [state ${e.stateId}]` : ''}${e.ours ? '' : '  (not ours)'}`,
      `      linux ${e.linux ?? '-'}${e.initrd.length ? `, initrd ${e.initrd.join(' ')}` : ''}`,
      ...(e.options ? [`      options ${e.options}`] : []),
      ...(e.missing.length ? [`      missing: ${e.missing.join(', ')}`] : []),
    ]),
  ];
}

function syncLines(r: BootSyncResult): string[] {
  if (!r || r.status === 'skipped') return [`Boot entries not written: ${r?.reason ?? 'no boot directory'}`];
  const n = r.entries.length;
  return [
    ...r.entries.map((e) => `  ${e.isDefault ? '*' : ' '} ${e.title} (kernel ${e.kernelVersion})`),
    `${n} entr${n === 1 ? 'y' : 'ies'}; ${r.copied.length} file(s) copied, ${r.removed.length} removed`,
  ];
}

const dirs = (args: Parameters<typeof flagString>[0]) => {
  const bootDir = flagString(args, 'boot-dir');
  const xbootldrDir = flagString(args, 'xbootldr-dir');
  return { ...(bootDir ? { bootDir } : {}), ...(xbootldrDir ? { xbootldrDir } : {}) };
};

const status: Command = {
  name: 'status',
  summary: 'Show firmware, ESP, XBOOTLDR, the boot loader and every entry with what it boots',
  flags: BOOT_FLAGS,
  examples: [
    ['moss boot status', 'the running system'],
    ['moss -D /mnt/image boot status --boot-dir /mnt/image-esp --json', 'an image, as JSON'],
  ],
  run: (ctx) =>
    withRoot(ctx, async (root, report) => {
      report.result(await root.boot.status(dirs(ctx.args)), statusLines);
    }),
};

const sync: Command = {
  name: 'sync',
  summary: 'Write boot entries for the active state and recent older ones; remove stale ones',
  description:
    'Runs after every transaction by itself; run it by hand after fixing a boot problem. For a\n' +
    'root other than /, --boot-dir is remembered in <root>/etc/moss/boot.yaml so that later\n' +
    'transactions keep that ESP in step.',
  flags: {
    ...BOOT_FLAGS,
    keep: { value: true, placeholder: 'N', description: 'Older states that get entries (default 4)' },
  },
  examples: [
    ['moss boot sync', 'the running system'],
    ['moss -D /mnt/image boot sync --boot-dir /mnt/image-esp', 'an image, and remember its ESP'],
  ],
  run: (ctx) =>
    withRoot(ctx, async (root, report) => {
      const keep =
        ctx.args.flags.keep === undefined ? {} : { keep: flagInt(ctx.args, 'keep', 4, 'moss boot sync') };
      report.result((await root.boot.sync({ ...dirs(ctx.args), ...keep })) ?? null, (r) =>
        syncLines(r ?? undefined),
      );
    }),
};

export const bootCommand: Command = {
  name: 'boot',
  summary: 'Boot entries for every state: status and sync',
  subcommands: [status, sync],
};
