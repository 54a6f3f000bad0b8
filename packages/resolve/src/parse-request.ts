import { type Dependency, parseDependency } from '@serpent/stone';
import { ResolveError } from './resolve-error.js';

/**
 * Requests as the CLI takes them: `nano`, `binary(nano)`, `soname(libz.so.1(x86_64))`, or
 * already parsed. Every malformed entry is reported at once (moss panics on `kind(`).
 */
export function parseRequest(request: readonly (Dependency | string)[]): Dependency[] {
  const bad: string[] = [];
  const out: Dependency[] = [];
  for (const r of request) {
    if (typeof r !== 'string') {
      out.push(r);
      continue;
    }
    const d = parseDependency(r.trim());
    if (d === undefined) bad.push(r);
    else out.push(d);
  }
  if (bad.length > 0) {
    throw new ResolveError(
      'RESOLVE_BAD_REQUEST',
      `not a package name or provider: ${bad.map((b) => `'${b}'`).join(', ')}`,
      { request: bad },
    );
  }
  return out;
}
