import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './support/paths.js';

// The layering check CI runs (scripts/check-layers.mjs, rules in .dependency-cruiser.cjs): clean
// on this tree, and failing, naming the rule, on a tree with one deliberate violation of each.
const work = mkdtempSync(join(tmpdir(), 'layers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function check(dir: string) {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'check-layers.mjs'), ...(dir ? [dir] : [])], {
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function tree(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('the layering check', () => {
  it('passes on this repository', () => {
    const r = check('');
    expect(r.out).toContain('no dependency violations found');
    expect(r.status).toBe(0);
  });

  const cases: [string, string, Record<string, string>][] = [
    [
      'a file cycle',
      'no-file-cycles',
      {
        'packages/system/src/transaction/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
        'packages/system/src/transaction/b.ts':
          "import type { a } from './a.js';\nexport const b: typeof a | 1 = 1;\n",
      },
    ],
    [
      'a library importing a tool',
      'libraries-never-import-tools',
      {
        'packages/cli/src/index.ts':
          "import { main } from '../../../tools/moss/src/main.js';\nexport { main };\n",
        'tools/moss/src/main.ts': 'export const main = 1;\n',
      },
    ],
    [
      'a pure package importing an I/O package',
      'pure-packages-import-no-io',
      {
        'packages/resolve/src/index.ts': "export { openStore } from '../../store/src/index.js';\n",
        'packages/store/src/index.ts': 'export const openStore = 1;\n',
      },
    ],
    [
      "a command reaching into a package's files",
      'tools-use-public-entry-points',
      {
        'tools/moss/src/commands/list.ts':
          "export { x } from '../../../../packages/system/src/db/meta-db.js';\n",
        'packages/system/src/db/meta-db.ts': 'export const x = 1;\n',
      },
    ],
  ];
  for (const [what, rule, files] of cases) {
    it(`fails on ${what}, naming the rule`, () => {
      const r = check(tree(rule, files));
      expect(r.out).toContain(rule);
      expect(r.status).toBe(1);
    });
  }
});
