import type { DraftPhase } from './build-systems.js';
import type { Monitoring } from './monitoring.js';

export interface DraftRecipe {
  readonly name: string;
  readonly version: string;
  readonly homepage: string;
  readonly upstreams: ReadonlyArray<{ url: string; sha256: string; unpack: boolean }>;
  readonly summary?: string;
  readonly license?: string;
  readonly system: string;
  readonly networking: boolean;
  readonly toolchain?: 'gnu' | 'llvm';
  readonly builddeps: readonly string[];
  readonly phases: Partial<Record<DraftPhase, string>>;
}

/** A YAML scalar as written in a recipe: plain where that reads back the same, else quoted. */
function scalar(s: string): string {
  return /^[A-Za-z0-9_./+~@()-][A-Za-z0-9_./+~@() :,-]*$/.test(s) &&
    !/: |:$|^(yes|no|true|false|on|off|null|~)$/i.test(s)
    ? s
    : JSON.stringify(s);
}

const key = (k: string) => `${k.padEnd(12)}: `;
/** A key whose value follows on the next lines (a list or a `|` block): no trailing space. */
const head = (k: string) => `${k.padEnd(12)}:`;

/**
 * The draft `stone.yaml`, laid out as the original writes it (aligned keys, phases as `|`
 * blocks), with UPDATE where a person must fill in. The version is always quoted (a bare
 * `1.10` reads back as 1.1).
 */
export function renderStoneYaml(d: DraftRecipe, year: number): string {
  const lines = [
    `# SPDX-FileCopyrightText: Copyright © ${year} Serpent OS Developers`,
    '#',
    '# SPDX-License-Identifier: MPL-2.0',
    '#',
    `# Drafted by \`boulder recipe new\` (${d.system}). Check every line; fill in what says UPDATE.`,
    `${key('name')}${scalar(d.name)}`,
    `${key('version')}${JSON.stringify(d.version)}`,
    `${key('release')}1`,
    `${key('homepage')}${scalar(d.homepage)}`,
    head('upstreams'),
    ...d.upstreams.map((u) =>
      u.unpack
        ? `    - ${scalar(u.url)} : ${u.sha256}`
        : `    - ${scalar(u.url)} :\n        hash: ${u.sha256}\n        unpack: false`,
    ),
    `${key('summary')}${scalar(d.summary ?? 'UPDATE SUMMARY')}`,
    `${key('description')}|`,
    `    ${d.summary ?? 'UPDATE DESCRIPTION'}`,
    `${key('license')}${scalar(d.license ?? 'UPDATE LICENSE')}`,
  ];
  if (d.networking) lines.push(`${key('networking')}true`);
  if (d.toolchain) lines.push(`${key('toolchain')}${d.toolchain}`);
  if (d.builddeps.length > 0) {
    lines.push(head('builddeps'));
    for (const b of d.builddeps) lines.push(`    - ${b}`);
  }
  for (const phase of ['setup', 'build', 'install', 'check'] as const) {
    const script = d.phases[phase];
    if (script) lines.push(`${key(phase)}|`, `    ${script}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `monitoring.yaml`: the release feed and the CPE names; unknowns are `~` with a comment saying how to find them. */
export function renderMonitoringYaml(name: string, m: Monitoring & { rss?: string }, today: string): string {
  const lines = ['releases:'];
  if (m.id !== undefined) lines.push(`    id: ${m.id} # https://release-monitoring.org/project/${m.id}`);
  else {
    lines.push(`    id: ~ # https://release-monitoring.org/ and search for ${name}`);
    for (const c of m.candidates ?? [])
      lines.push(`    # candidate: ${c.id} ${c.name}${c.homepage ? ` ${c.homepage}` : ''}`);
  }
  lines.push(`    rss: ${m.rss ?? '~'}`);
  for (const p of m.problems) lines.push(`# ${p}`);
  if (m.cpe && m.cpe.length > 0) {
    lines.push('security:', '    cpe:');
    for (const c of m.cpe)
      lines.push(`        - vendor: ${scalar(c.vendor)}`, `          product: ${scalar(c.product)}`);
  } else {
    lines.push(`# No known CPE, checked ${today}`, 'security:', '    cpe: ~');
  }
  return `${lines.join('\n')}\n`;
}
