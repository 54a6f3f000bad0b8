import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A handler that needs nothing from its root: it prints its working directory, environment
 * and arguments, then one line to stdout and one to stderr in two pieces each (a partial line,
 * a pause, the rest), and exits with the status given as its first argument.
 */
const SOURCE = `#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return 99;
  printf("cwd=%s\\n", cwd);
  for (char **e = environ; *e; e++) printf("env=%s\\n", *e);
  for (int i = 1; i < argc; i++) printf("arg=%s\\n", argv[i]);
  fflush(stdout);
  fputs("partial ", stdout); fflush(stdout); usleep(100000);
  fputs("stdout line\\n", stdout); fflush(stdout);
  fputs("partial ", stderr); usleep(100000);
  fputs("stderr line\\n", stderr);
  return argc > 1 ? atoi(argv[1]) : 0;
}
`;

/**
 * Compiles the probe as a static binary at `dir/probe` (gcc -static), or returns why it cannot
 * (no compiler, no static C library).
 */
export function buildStaticProbe(dir: string): { path: string } | { skip: string } {
  const src = join(dir, 'probe.c');
  writeFileSync(src, SOURCE);
  const out = join(dir, 'probe');
  const r = spawnSync('gcc', ['-static', '-O1', '-o', out, src], { encoding: 'utf8' });
  if (r.error) return { skip: `no C compiler to build a static test binary: ${r.error.message}` };
  if (r.status !== 0) return { skip: `gcc -static failed (no static C library?): ${r.stderr.trim()}` };
  return { path: out };
}
