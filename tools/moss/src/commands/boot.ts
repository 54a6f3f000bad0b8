import { resolve } from 'node:path';
import { bootStatus } from '@serpent/boot';
import { type Command, EXIT, flagInt, flagString } from '@serpent/cli';
import { UsageError } from '@serpent/errors';
import { readBootConfig, syncBootEntries, writeBootConfig } from '@serpent/system';
import { rootOf, withRoot } from './open-root.js';

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

const status: Command = {
  name: 'status',
  summary: 'Show firmware, ESP, XBOOTLDR, the boot loader and every entry with what it boots',
  flags: BOOT_FLAGS,
  examples: [
    ['moss boot status', 'the running system'],
    ['moss -D /mnt/image boot status --boot-dir /mnt/image-esp --json', 'an image, as JSON'],
  ],
  async run(ctx) {
    const root = resolve(rootOf(ctx));
    const config = readBootConfig(root);
    const bootDir = flagString(ctx.args, 'boot-dir') ?? config.bootDir;
    const xbootldrDir = flagString(ctx.args, 'xbootldr-dir') ?? config.xbootldrDir;
    if (root !== '/' && !bootDir) {
      throw new UsageError(`moss boot status: ${root} is an image; say where its ESP is with --boot-dir DIR`);
    }
    const s = bootStatus({ root, ...(bootDir ? { bootDir } : {}), ...(xbootldrDir ? { xbootldrDir } : {}) });
    if (ctx.globals.json === true) {
      ctx.io.stdout(`${JSON.stringify(s, null, 2)}\n`);
      return EXIT.ok;
    }
    const out = ctx.io.stdout;
    out(`Mode       : ${s.mode}\n`);
    if (s.environment) {
      out(
        `Firmware   : ${s.environment.firmware}${s.environment.loaderInfo ? ` (${s.environment.loaderInfo})` : ''}\n`,
      );
      if (s.environment.rootArguments) out(`Root       : ${s.environment.rootArguments.join(' ')}\n`);
    }
    out(`ESP        : ${s.espDir ?? '(none)'}\n`);
    out(`Boot dir   : ${s.bootRoot ?? '(none)'}\n`);
    for (const b of s.bootloader) out(`Bootloader : ${b.path}${b.version ? ` (${b.version})` : ''}\n`);
    out(`Entries    : ${s.entries.length}\n`);
    for (const e of s.entries) {
      out(
        `  ${e.isDefault ? '*' : ' '} ${e.title ?? e.path}${e.stateId ? `  [state ${e.stateId}]` : ''}${e.ours ? '' : '  (not ours)'}\n`,
      );
      out(`      linux ${e.linux ?? '-'}${e.initrd.length ? `, initrd ${e.initrd.join(' ')}` : ''}\n`);
      if (e.options) out(`      options ${e.options}\n`);
      if (e.missing.length) out(`      missing: ${e.missing.join(', ')}\n`);
    }
    return EXIT.ok;
  },
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
  async run(ctx) {
    return withRoot(ctx, async (inst, r) => {
      const config = readBootConfig(inst.root);
      const bootDir = flagString(ctx.args, 'boot-dir');
      const xbootldrDir = flagString(ctx.args, 'xbootldr-dir');
      const keep =
        ctx.args.flags.keep === undefined ? undefined : flagInt(ctx.args, 'keep', 4, 'moss boot sync');
      if (resolve(inst.root) !== '/' && !bootDir && !config.bootDir) {
        throw new UsageError(
          `moss boot sync: ${inst.root} is an image; say where its ESP is with --boot-dir DIR`,
        );
      }
      const override = {
        ...(bootDir ? { bootDir: resolve(bootDir) } : {}),
        ...(xbootldrDir ? { xbootldrDir: resolve(xbootldrDir) } : {}),
        ...(keep !== undefined ? { keep } : {}),
      };
      if (Object.keys(override).length > 0) writeBootConfig(inst.root, { ...config, ...override });
      const res = await syncBootEntries(inst, { override, onEvent: r.onEvent });
      if (ctx.globals.json === true) {
        ctx.io.stdout(`${JSON.stringify(res ?? null, null, 2)}\n`);
        return EXIT.ok;
      }
      if (!res || res.status === 'skipped') {
        ctx.io.stdout(`Boot entries not written: ${res?.reason ?? 'no boot directory'}\n`);
        return EXIT.ok;
      }
      for (const e of res.entries)
        ctx.io.stdout(`  ${e.isDefault ? '*' : ' '} ${e.title} (kernel ${e.kernelVersion})\n`);
      ctx.io.stdout(
        `${res.entries.length} entr${res.entries.length === 1 ? 'y' : 'ies'}; ${res.copied.length} file(s) copied, ${res.removed.length} removed\n`,
      );
      return EXIT.ok;
    });
  },
};

export const bootCommand: Command = {
  name: 'boot',
  summary: 'Boot entries for every state: status and sync',
  subcommands: [status, sync],
};
