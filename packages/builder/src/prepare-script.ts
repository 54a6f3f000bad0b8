import type { FetchedUpstream } from './fetch-upstreams.js';
import { upstreamDir, upstreamFileName } from './upstream.js';

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The synthesised first phase: unpack every plain upstream (tar auto-detects gz, xz, zst and
 * bz2; zip through unzip) into its unpack dir with the recipe's `stripdirs`, and copy every git
 * checkout into its clone dir. It runs inside the container in the target's build dir, with the
 * sources mounted read-only at `sourceDir`.
 */
export function prepareScript(upstreams: readonly FetchedUpstream[], sourceDir: string): string {
  const lines = ['#!/bin/sh', 'set -e'];
  for (const { upstream: u } of upstreams) {
    const file = `${sourceDir}/${upstreamFileName(u)}`;
    const dir = upstreamDir(u);
    if (u.kind === 'git') {
      lines.push(`mkdir -p ${q(dir)}`, `cp -Ra --no-preserve=ownership ${q(`${file}/.`)} ${q(dir)}`);
      continue;
    }
    if (u.unpack === false) continue;
    lines.push(`mkdir -p ${q(dir)}`);
    if (/\.zip$/i.test(file)) {
      // unzip has no strip option: extract aside and move the inner level up, as tar would.
      const strip = u.stripDirs ?? 1;
      if (strip === 0) lines.push(`unzip -q -o ${q(file)} -d ${q(dir)}`);
      else
        lines.push(
          `tmp=$(mktemp -d "$PWD/.unzip.XXXXXX")`,
          `unzip -q -o ${q(file)} -d "$tmp"`,
          `src="$tmp"; i=0; while [ $i -lt ${strip} ]; do set -- "$src"/*; [ $# -eq 1 ] && [ -d "$1" ] || { echo "cannot strip ${strip} level(s) from ${upstreamFileName(u)}: not a single top directory" >&2; exit 1; }; src="$1"; i=$((i+1)); done`,
          `cp -Ra "$src"/. ${q(dir)}`,
          `rm -rf "$tmp"`,
        );
    } else {
      lines.push(
        `tar xf ${q(file)} -C ${q(dir)} --strip-components=${u.stripDirs ?? 1} --no-same-owner || { echo "failed to extract ${upstreamFileName(u)}" >&2; exit 1; }`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The phases' working directory below the build dir: where the first upstream lands. */
export function workDirOf(upstreams: readonly FetchedUpstream[]): string | undefined {
  const first = upstreams.find((f) => f.upstream.kind === 'git' || f.upstream.unpack !== false);
  return first ? upstreamDir(first.upstream) : undefined;
}
