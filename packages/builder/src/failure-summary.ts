/**
 * A few lines that say why a phase failed, picked from its log: compiler and linker errors,
 * missing commands and headers, configure's fatal checks, make's final complaint. The log
 * itself stays on disk for the rest (os-tools#556 asks exactly for this).
 */
export function summarizeFailure(log: string, max = 12): { lines: string[]; hint: string } {
  const all = log.split('\n').filter((l) => !l.startsWith('+ '));
  const important =
    /(\berror\b|\bError\b|ERROR|fatal|No such file or directory|command not found|not found|undefined reference|cannot find|No rule to make target|\*\*\*|Permission denied|Could not|could not)/;
  const picked = [...new Set(all.filter((l) => important.test(l)).map((l) => l.trim()))];
  const lines = picked.length > 0 ? picked.slice(-max) : all.filter((l) => l.trim()).slice(-5);
  let hint = 'read the phase log for the full output';
  if (/command not found|: not found/.test(log))
    hint = 'a tool the script runs is missing: add it to builddeps (in host mode: install it on the host)';
  else if (/No such file or directory/.test(log) && /\.h\b/.test(log))
    hint = 'a header is missing: add the library providing it (e.g. pkgconfig(name)) to builddeps';
  else if (/Package .* was not found|pkg-config/.test(log) && /not found/.test(log))
    hint = 'a pkg-config module is missing: add pkgconfig(<module>) to builddeps';
  else if (/undefined reference|cannot find -l/.test(log))
    hint = 'linking failed: a library is missing from builddeps or from the link line';
  return { lines, hint };
}
