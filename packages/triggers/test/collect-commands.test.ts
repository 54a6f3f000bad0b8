import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  collectCommands,
  loadTriggerFiles,
  orderTriggers,
  type TriggerPath,
  type TriggerScope,
  TriggersError,
} from '../src/index.js';
import {
  argvs,
  haveFixtures,
  listing,
  loadInline,
  RECIPE_FIXTURES,
  realTriggerFiles,
  skipReason,
} from './helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function inline(bodies: Record<string, string>, scope: TriggerScope = 'transaction') {
  const loaded = await loadInline(bodies, scope);
  dirs.push(loaded.dir);
  expect(loaded.warnings).toEqual([]);
  return loaded.triggers;
}

/** A trigger running `/<name>` on `/x`, with optional ordering keys. */
function simple(name: string, keys = ''): string {
  return `name: ${name}\ndescription: d\n${keys}handlers:\n  h: {run: /${name}, args: []}\npaths:\n  /x: {handlers: [h]}\n`;
}

const files = (...paths: string[]): TriggerPath[] => paths.map((path) => ({ path, type: 'file' }));

// libs.md §3.1: the sys.d triggers of the systemd recipe. Only systemd_tmpfiles is in the
// fixtures; these follow the descriptions there (handlers, patterns and before/after keys).
const SYSTEMD = {
  machine_id: `name: systemd_machine_id
before: systemd_etcfiles
description: machine id
handlers:
  setup: {run: /usr/bin/systemd-machine-id-setup, args: []}
paths:
  /usr/bin/systemd-machine-id-setup: {handlers: [setup]}
`,
  etcfiles: `name: systemd_etcfiles
description: /etc files
handlers:
  etc: {run: /usr/bin/systemd-tmpfiles, args: [--create, /usr/lib/tmpfiles.d/etc.conf, -E]}
paths:
  /usr/lib/tmpfiles.d/etc.conf: {handlers: [etc]}
`,
  sysusers: `name: systemd_sysusers
after: systemd_etcfiles
description: sysusers
handlers:
  sysusers: {run: /usr/bin/systemd-sysusers, args: []}
paths:
  /usr/lib/sysusers.d/*.conf: {handlers: [sysusers]}
`,
  presets: `name: systemd_presets
after: systemd_sysusers
description: presets
handlers:
  system: {run: /usr/bin/systemctl, args: [preset, $(name), --root=/, --force]}
  user: {run: /usr/bin/systemctl, args: [preset, $(name), --root=/, --force, --global]}
paths:
  /usr/lib/systemd/system/(name:*.service): {handlers: [system]}
  /usr/lib/systemd/user/(name:*.service): {handlers: [user]}
`,
};

async function sysTriggers() {
  const extra = await inline(SYSTEMD, 'system');
  const real = await loadTriggerFiles(
    realTriggerFiles(['glibc--glibc_ldconfig.yaml', 'systemd--systemd_tmpfiles.yaml']),
  );
  return [...real.triggers, ...extra];
}

describe('libs.md §3.5 vectors on the real trigger files', () => {
  it.skipIf(!haveFixtures)('T1 kmod: one depmod per kernel version, from its directories', async () => {
    const { triggers } = await loadTriggerFiles(realTriggerFiles(['kmod--trigger.yaml']));
    const m = '/usr/lib/modules';
    const paths = listing(
      [`${m}/6.8.9-289.current/kernel/fs/ext4.ko.zst`, `${m}/6.8.9-289.current/modules.builtin`],
      [{ path: `${m}/6.9.0-1.lts/kernel`, type: 'directory' }],
    );
    expect(argvs(collectCommands(triggers, paths, 'transaction'))).toEqual([
      '/usr/sbin/depmod -a 6.8.9-289.current',
      '/usr/sbin/depmod -a 6.9.0-1.lts',
    ]);
  });

  it.skipIf(!haveFixtures)('kmod honours `type: directory`: module files alone do not fire it', async () => {
    const { triggers } = await loadTriggerFiles(realTriggerFiles(['kmod--trigger.yaml']));
    // Upstream ignored `type`, so these two files would have run depmod.
    const paths = files('/usr/lib/modules/6.12.1/modules.dep', '/usr/lib/modules/6.12.1/modules.alias');
    expect(collectCommands(triggers, paths, 'transaction')).toEqual([]);
    const withDir = [...paths, { path: '/usr/lib/modules/6.12.1/kernel', type: 'directory' as const }];
    expect(collectCommands(triggers, withDir, 'transaction')).toEqual([
      {
        kind: 'run',
        trigger: 'depmod',
        scope: 'transaction',
        handler: 'depmod',
        argv: ['/usr/sbin/depmod', '-a', '6.12.1'],
      },
    ]);
  });

  it.skipIf(!haveFixtures)(
    'T2 fontconfig (no args) loads and runs fc-cache once, with no arguments',
    async () => {
      const { triggers } = await loadTriggerFiles(realTriggerFiles(['fontconfig--trigger.yaml']));
      const paths = listing(['/usr/share/fonts/TTF/x.ttf', '/usr/share/fonts/OTF/y.otf']);
      expect(argvs(collectCommands(triggers, paths, 'transaction'))).toEqual(['/usr/bin/fc-cache']);
    },
  );

  it.skipIf(!haveFixtures)(
    'T3 texinfo: one install-info per info file, duplicates collapse, sorted',
    async () => {
      const { triggers } = await loadTriggerFiles(realTriggerFiles(['texinfo--trigger.yaml']));
      const i = '/usr/share/info';
      const paths = [
        { path: i, type: 'directory' as const },
        ...files(`${i}/dir`, `${i}/bash.info.zst`, `${i}/bash.info-1.zst`, `${i}/as.info`, `${i}/as.info`),
      ];
      expect(argvs(collectCommands(triggers, paths, 'transaction'))).toEqual([
        '/usr/bin/install-info /usr/share/info/as.info /usr/share/info/dir',
        '/usr/bin/install-info /usr/share/info/bash.info-1.zst /usr/share/info/dir',
        '/usr/bin/install-info /usr/share/info/bash.info.zst /usr/share/info/dir',
      ]);
    },
  );

  it.skipIf(!haveFixtures)('T4 glib2: gio modules and schemas', async () => {
    const { triggers } = await loadTriggerFiles(realTriggerFiles(['glib2--trigger.yaml']));
    const paths = [
      ...files(
        '/usr/lib/gio/modules/libdconfsettings.so',
        '/usr/lib/gio/modules/libgvfsdbus.so',
        '/usr/share/glib-2.0/schemas/org.gnome.foo.gschema.xml',
      ),
      { path: '/usr/share/glib-2.0/schemas', type: 'directory' as const },
    ];
    expect(argvs(collectCommands(triggers, paths, 'transaction'))).toEqual([
      '/usr/bin/gio-querymodules --update-cache',
      '/usr/bin/glib-compile-schemas /usr/share/glib-2.0/schemas',
    ]);
  });

  it.skipIf(!haveFixtures)(
    'T5 the systemd and glibc system triggers follow their after: chains',
    async () => {
      const paths = files(
        '/usr/bin/systemd-machine-id-setup',
        '/usr/lib/tmpfiles.d/etc.conf',
        '/usr/lib/tmpfiles.d/systemd.conf',
        '/usr/lib/sysusers.d/basic.conf',
        '/usr/lib/libc.so.6',
        '/usr/lib/systemd/system/sshd.service',
        '/usr/lib/systemd/system/getty@.service',
        '/usr/lib/systemd/user/pipewire.service',
      );
      const triggers = await sysTriggers();
      const expected = [
        '/usr/bin/systemd-machine-id-setup',
        '/usr/bin/systemd-tmpfiles --create /usr/lib/tmpfiles.d/etc.conf -E',
        '/usr/bin/systemd-sysusers',
        '/usr/bin/systemctl preset getty@.service --root=/ --force',
        '/usr/bin/systemctl preset pipewire.service --root=/ --force --global',
        '/usr/bin/systemctl preset sshd.service --root=/ --force',
        '/usr/bin/systemd-tmpfiles --create -E',
        '/usr/sbin/ldconfig -X',
      ];
      expect(argvs(collectCommands(triggers, paths, 'system'))).toEqual(expected);
      // Load order does not matter, nor does path order.
      expect(argvs(collectCommands([...triggers].reverse(), [...paths].reverse(), 'system'))).toEqual(
        expected,
      );
      // And none of them is a transaction trigger.
      expect(collectCommands(triggers, paths, 'transaction')).toEqual([]);
    },
  );

  it.skipIf(!haveFixtures)(
    'T6 an un-hit trigger still carries its ordering (tmpfiles before ldconfig)',
    async () => {
      const triggers = await sysTriggers();
      const paths = files('/usr/lib/libc.so.6', '/usr/lib/tmpfiles.d/systemd.conf');
      expect(argvs(collectCommands(triggers, paths, 'system'))).toEqual([
        '/usr/bin/systemd-tmpfiles --create -E',
        '/usr/sbin/ldconfig -X',
      ]);
    },
  );

  it.skipIf(!haveFixtures)('T7 independent triggers run in name order (upstream: reverse)', async () => {
    const { triggers } = await loadTriggerFiles(
      realTriggerFiles(['texinfo--trigger.yaml', 'kmod--trigger.yaml', 'glib2--trigger.yaml']),
    );
    const paths = [
      { path: '/usr/lib/modules/6.8.9/kernel', type: 'directory' as const },
      ...files('/usr/share/info/as.info', '/usr/share/glib-2.0/schemas/x.xml'),
    ];
    expect(collectCommands(triggers, paths, 'transaction').map((c) => c.trigger)).toEqual([
      'depmod',
      'glib2',
      'texinfo',
    ]);
  });

  it.skipIf(!haveFixtures)('C1/C2 a full listing of a realistic layout', async () => {
    const { triggers } = await loadTriggerFiles(realTriggerFiles());
    const paths = listing([
      '/usr/lib/modules/6.12.15-84.desktop/kernel/fs/ext4.ko.zst',
      '/usr/lib/modules/6.12.15-84.desktop/modules.dep',
      '/usr/share/info/bash.info.zst',
      '/usr/share/info/dir',
      '/usr/share/glib-2.0/schemas/org.gnome.desktop.gschema.xml',
      '/usr/share/fonts/TTF/x.ttf',
      '/usr/lib/libc.so.6',
      '/usr/lib/tmpfiles.d/systemd.conf',
    ]);
    // libs.md counts 26 VFS entries: these 22 plus the four root symlinks (/bin, /lib ...).
    expect(paths).toHaveLength(22);
    expect(argvs(collectCommands(triggers, paths, 'transaction'))).toEqual([
      '/usr/sbin/depmod -a 6.12.15-84.desktop',
      // Upstream never loaded fontconfig's trigger (no args), so this one is new.
      '/usr/bin/fc-cache',
      '/usr/bin/glib-compile-schemas /usr/share/glib-2.0/schemas',
      '/usr/bin/install-info /usr/share/info/bash.info.zst /usr/share/info/dir',
    ]);
    expect(argvs(collectCommands(triggers, paths, 'system'))).toEqual([
      '/usr/bin/systemd-tmpfiles --create -E',
      '/usr/sbin/ldconfig -X',
    ]);
  });

  it.skipIf(!haveFixtures)(
    'the files of all 120 real recipes plus a kernel give the commands each trigger asks for',
    async () => {
      const { triggers, warnings } = await loadTriggerFiles(realTriggerFiles());
      expect(warnings).toEqual([]);
      const all = new Set<string>();
      for (const letter of readdirSync(RECIPE_FIXTURES)) {
        for (const recipe of readdirSync(join(RECIPE_FIXTURES, letter))) {
          const text = readFileSync(join(RECIPE_FIXTURES, letter, recipe, 'manifest.x86_64.jsonc'), 'utf8');
          for (const m of text.matchAll(/"(\/usr\/[^"]+)"/g)) all.add(m[1]!);
        }
      }
      const kernel = '/usr/lib/modules/6.12.1';
      const paths = listing([...all, `${kernel}/kernel/fs/ext4.ko.zst`, `${kernel}/modules.dep`]);
      expect(paths.length).toBeGreaterThan(40_000);
      const tx = argvs(collectCommands(triggers, paths, 'transaction'));
      const infoFiles = [...all].filter((p) => /^\/usr\/share\/info\/[^/]*\.info[^/]*$/.test(p)).sort();
      expect(infoFiles.length).toBeGreaterThan(0);
      expect(tx).toEqual([
        '/usr/sbin/depmod -a 6.12.1',
        '/usr/bin/fc-cache',
        '/usr/bin/gio-querymodules --update-cache',
        '/usr/bin/glib-compile-schemas /usr/share/glib-2.0/schemas',
        ...infoFiles.map((f) => `/usr/bin/install-info ${f} /usr/share/info/dir`),
      ]);
      expect(argvs(collectCommands(triggers, paths, 'system'))).toEqual([
        '/usr/bin/systemd-tmpfiles --create -E',
        '/usr/sbin/ldconfig -X',
      ]);
    },
  );
  if (!haveFixtures) it.skip(skipReason, () => {});
});

describe('libs.md §3.5 vectors on inline triggers', () => {
  it('T10 delete handlers are commands too, after the runs of their trigger', async () => {
    const triggers = await inline({
      t: 'name: t\ndescription: d\nhandlers:\n  rm: {delete: [/etc/foo]}\n  zz: {run: /a, args: []}\npaths:\n  /usr/bin/*: {handlers: [rm, zz]}\n',
    });
    expect(argvs(collectCommands(triggers, files('/usr/bin/x', '/usr/bin/y'), 'transaction'))).toEqual([
      '/a',
      'delete /etc/foo',
    ]);
  });

  it('T12 a trigger both before and after another is a cycle naming both (upstream dropped an edge)', async () => {
    const triggers = await inline({ a: simple('a', 'before: b\nafter: b\n'), b: simple('b') });
    let caught: unknown;
    try {
      collectCommands(triggers, files('/x'), 'transaction');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TriggersError);
    expect((caught as TriggersError).code).toBe('TRIGGERS_CYCLE');
    expect([...((caught as TriggersError).details.triggers as string[])].sort()).toEqual(['a', 'b']);
  });

  it('T13 $(missing) stays; $(v) is replaced every time it appears', async () => {
    const triggers = await inline({
      t: 'name: t\ndescription: d\nneeds: [x]\nhandlers:\n  h: {run: /b, args: ["$(missing)", "$(v)$(v)"]}\npaths:\n  /(v:x): {handlers: [h]}\n',
    });
    expect(argvs(collectCommands(triggers, files('/x'), 'transaction'))).toEqual(['/b $(missing) xx']);
  });

  it('T14 five triggers with two constraints: topological, ties by name', async () => {
    const triggers = await inline({
      a: simple('a'),
      b: simple('b'),
      c: simple('c', 'after: a\n'),
      d: simple('d'),
      e: simple('e', 'before: b\n'),
    });
    // upstream: e b d a c (reverse alphabetical among the ready ones)
    expect(argvs(collectCommands(triggers, files('/x'), 'transaction'))).toEqual([
      '/a',
      '/c',
      '/d',
      '/e',
      '/b',
    ]);
  });

  it('T15 the same command from two triggers runs twice; twice in one trigger, once', async () => {
    const triggers = await inline({
      one: 'name: one\ndescription: d\nhandlers:\n  h: {run: /usr/bin/ldconfig, args: []}\npaths:\n  /a: {handlers: [h]}\n',
      two: 'name: two\ndescription: d\nhandlers:\n  h: {run: /usr/bin/ldconfig, args: []}\n  g: {run: /usr/bin/ldconfig, args: []}\npaths:\n  /a: {handlers: [h, g]}\n',
    });
    const out = collectCommands(triggers, files('/a'), 'transaction');
    expect(out.map((c) => `${c.trigger}:${argvs([c])[0]}`)).toEqual([
      'one:/usr/bin/ldconfig',
      'two:/usr/bin/ldconfig',
    ]);
  });

  it('T16 one command per captured value, sorted; "/" captures the empty string', async () => {
    const triggers = await inline({
      t: `name: t\ndescription: d\nhandlers:\n  h: {run: /s, args: ['$(v)']}\n  g: {run: /r, args: ['$(v)']}\npaths:\n  /(v:*): {handlers: [h, g]}\n`,
    });
    expect(argvs(collectCommands(triggers, files('/b', '/a', '/c', '/'), 'transaction'))).toEqual([
      '/r ',
      '/r a',
      '/r b',
      '/r c',
      '/s ',
      '/s a',
      '/s b',
      '/s c',
    ]);
  });

  it('T17 a handler used by a pattern without the capture keeps the literal $(v)', async () => {
    const triggers = await inline({
      t: `name: t\ndescription: d\nhandlers:\n  h: {run: /a, args: ['$(v)']}\npaths:\n  /x/(v:*): {handlers: [h]}\n  /y/*: {handlers: [h]}\n`,
    });
    expect(argvs(collectCommands(triggers, files('/x/1', '/y/2', '/y/3'), 'transaction'))).toEqual([
      '/a $(v)',
      '/a 1',
    ]);
  });

  it('T18 only $(name) is substituted, in run and args, and only once', async () => {
    const triggers = await inline({
      t: `name: t\ndescription: d\nhandlers:\n  h: {run: '/usr/lib/$(v)/bin', args: ['--v=$(v)', '$(V)', '$v', '\${v}']}\npaths:\n  /x/(v:*): {handlers: [h]}\n`,
    });
    expect(argvs(collectCommands(triggers, files('/x/1'), 'transaction'))).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${v} that must stay unsubstituted
      '/usr/lib/1/bin --v=1 $(V) $v ${v}',
    ]);
    // A captured value that looks like a variable is not expanded again.
    expect(collectCommands(triggers, files('/x/$(v)'), 'transaction')[0]).toMatchObject({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${v} that must stay unsubstituted
      argv: ['/usr/lib/$(v)/bin', '--v=$(v)', '$(V)', '$v', '${v}'],
    });
  });

  it('delete paths get $(var) substituted too', async () => {
    const triggers = await inline({
      t: 'name: t\ndescription: d\nhandlers:\n  rm: {delete: ["/usr/lib/modules/$(version)/stale"]}\npaths:\n  /usr/lib/modules/(version:*): {handlers: [rm]}\n',
    });
    expect(argvs(collectCommands(triggers, files('/usr/lib/modules/6.1'), 'transaction'))).toEqual([
      'delete /usr/lib/modules/6.1/stale',
    ]);
  });
});

describe('type filters', () => {
  it('file, directory and symlink each match only their own kind', async () => {
    const triggers = await inline({
      t: `name: t\ndescription: d\nhandlers:\n  f: {run: /f, args: ['$(n)']}\n  d: {run: /d, args: ['$(n)']}\n  l: {run: /l, args: ['$(n)']}\n  any: {run: /any, args: ['$(n)']}
paths:
  /f/(n:*): {handlers: [f], type: file}
  /d/(n:*): {handlers: [d], type: directory}
  /l/(n:*): {handlers: [l], type: symlink}
  /a/(n:*): {handlers: [any]}
`,
    });
    const kinds = ['file', 'directory', 'symlink'] as const;
    const paths: TriggerPath[] = ['f', 'd', 'l', 'a'].flatMap((top) =>
      kinds.map((type) => ({ path: `/${top}/${type}`, type })),
    );
    expect(argvs(collectCommands(triggers, paths, 'transaction'))).toEqual([
      '/any directory',
      '/any file',
      '/any symlink',
      '/d directory',
      '/f file',
      '/l symlink',
    ]);
  });
});

describe('prefix gate', () => {
  it('a pattern without a literal prefix still sees every path, beside prefixed ones', async () => {
    const triggers = await inline({
      t: `name: t\ndescription: d\nhandlers:\n  d: {run: /d, args: ['$(name)']}\n  i: {run: /i, args: []}
paths:
  "**/(name:*.desktop)": {handlers: [d]}
  /usr/share/icons/*: {handlers: [i]}
`,
    });
    const paths = files(
      '/usr/share/applications/a.desktop',
      '/opt/x/b.desktop',
      '/usr/share/icons/hicolor',
      '/usr/bin/c',
    );
    expect(argvs(collectCommands(triggers, paths, 'transaction'))).toEqual([
      '/d a.desktop',
      '/d b.desktop',
      '/i',
    ]);
  });
});

describe('orderTriggers', () => {
  const t = (name: string, before: string[] = [], after: string[] = []) => ({ name, before, after });

  it('follows a long after: chain whatever the input order', () => {
    const chain = [t('e', [], ['d']), t('c', [], ['b']), t('a'), t('d', [], ['c']), t('b', [], ['a'])];
    expect(orderTriggers(chain).map((x) => x.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(orderTriggers([...chain].reverse()).map((x) => x.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps transitivity through triggers that have no hits', () => {
    // z after y after x: upstream lost the z-after-x edge when y was not hit; here y is in the graph.
    const order = orderTriggers([t('z', [], ['y']), t('y', [], ['x']), t('x')]).map((x) => x.name);
    expect(order).toEqual(['x', 'y', 'z']);
  });

  it('ignores references to triggers that are not installed', () => {
    expect(orderTriggers([t('b', ['nope'], ['gone']), t('a', [], ['missing'])]).map((x) => x.name)).toEqual([
      'a',
      'b',
    ]);
  });

  it('a three-trigger cycle is named in order; a self reference is a cycle of one', () => {
    const cycle = () => orderTriggers([t('a', [], ['c']), t('b', [], ['a']), t('c', [], ['b']), t('d')]);
    expect(cycle).toThrowError(/triggers ordered in a cycle: a → b → c → a/);
    expect(() => orderTriggers([t('a', ['a'])])).toThrowError(/a → a/);
  });

  it('before: and after: lists give the same order as the single names', () => {
    const order = orderTriggers([t('late', [], ['x', 'y']), t('x'), t('y'), t('early', ['x', 'y'])]).map(
      (x) => x.name,
    );
    expect(order).toEqual(['early', 'x', 'y', 'late']);
  });
});
