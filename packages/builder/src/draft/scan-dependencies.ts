/**
 * Build dependencies a draft reads from build files, as moss provider strings. The original's
 * three scans (pkg-config checks of configure.ac, CMake `find_package`, Meson `dependency()`
 * and `find_program()`), plus CMake's `pkg_check_modules` and a pyproject's build requirements;
 * names the build system provides itself (CMake's Threads, Meson's threads) are left out, as
 * no package provides them.
 */
export function scanDependencies(name: string, text: string): string[] {
  if (name === 'configure.ac' || name === 'configure.in') return autoconf(text);
  if (name === 'CMakeLists.txt' || name.endsWith('.cmake')) return cmake(text);
  if (name === 'meson.build') return meson(text);
  if (name === 'pyproject.toml') return pyproject(text);
  return [];
}

/** Module names of a pkg-config list: `glib-2.0 >= 2.70 gio-2.0` → glib-2.0, gio-2.0. */
function pkgNames(list: string): string[] {
  return list
    .split(/[\s,]+/)
    .map((t) => t.replace(/^\[|\]$/g, ''))
    .filter((t) => /^[A-Za-z_][A-Za-z0-9_.+-]*$/.test(t));
}

function autoconf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(
    /PKG_CHECK_(?:MODULES|EXISTS)\(\s*(?:\[?[A-Za-z0-9_]+\]?\s*,\s*)?\[?([^\],)]+)/g,
  )) {
    // PKG_CHECK_EXISTS has no variable prefix; PKG_CHECK_MODULES([VAR], [mods]).
    for (const n of pkgNames(m[1]!)) out.push(`pkgconfig(${n})`);
  }
  return out;
}

const CMAKE_OWN = new Set(['Threads', 'PkgConfig', 'GNUInstallDirs', 'CMakePackageConfigHelpers']);

function cmake(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bfind_package\s*\(\s*([A-Za-z0-9_.+-]+)/gi)) {
    if (!CMAKE_OWN.has(m[1]!)) out.push(`cmake(${m[1]})`);
  }
  for (const m of text.matchAll(/\bpkg_check_modules\s*\(\s*[A-Za-z0-9_]+((?:\s+[^)\s]+)+)\s*\)/gi)) {
    const mods = m[1]!
      .trim()
      .split(/\s+/)
      .filter(
        (t) => !/^(REQUIRED|QUIET|IMPORTED_TARGET|GLOBAL|NO_CMAKE_PATH|NO_CMAKE_ENVIRONMENT_PATH)$/.test(t),
      )
      .map((t) => t.replace(/[<>=].*$/, ''));
    for (const n of pkgNames(mods.join(' '))) out.push(`pkgconfig(${n})`);
  }
  return out;
}

const MESON_OWN = new Set(['', 'threads', 'openmp', 'mpi', 'dl', 'intl', 'iconv', 'appleframeworks']);

function meson(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bdependency\s*\(\s*'([^']*)'/g)) {
    if (!MESON_OWN.has(m[1]!)) out.push(`pkgconfig(${m[1]})`);
  }
  for (const m of text.matchAll(/\bfind_program\s*\(\s*'([^']+)'/g)) {
    if (!m[1]!.includes('/')) out.push(`binary(${m[1]})`);
  }
  return out;
}

/** The lines of one TOML table, `[name]` to the next header. */
export function tomlTable(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `[${name}]`);
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

function pyproject(text: string): string[] {
  const requires = /requires\s*=\s*\[([^\]]*)\]/.exec(tomlTable(text, 'build-system'))?.[1] ?? '';
  return [...requires.matchAll(/["']\s*([A-Za-z0-9][A-Za-z0-9._-]*)/g)].map(
    (m) => `python(${m[1]!.toLowerCase()})`,
  );
}
