/** The build systems a draft recognises, in tie-breaking order (a later one wins a tie). */
export const BUILD_SYSTEMS = [
  'make',
  'autotools',
  'cmake',
  'meson',
  'cargo',
  'python-pep517',
  'python-setuptools',
  'perl',
] as const;
export type BuildSystem = (typeof BUILD_SYSTEMS)[number];

export type DraftPhase = 'setup' | 'build' | 'install' | 'check';

/** What a draft writes for each system: its phases, and whether it needs the network. */
export const SYSTEM_RECIPES: Readonly<
  Record<BuildSystem, { phases: Partial<Record<DraftPhase, string>>; networking?: boolean }>
> = {
  make: { phases: { build: '%make', install: '%make_install PREFIX="%(prefix)"' } },
  autotools: { phases: { setup: '%configure', build: '%make', install: '%make_install' } },
  cmake: { phases: { setup: '%cmake', build: '%cmake_build', install: '%cmake_install' } },
  meson: { phases: { setup: '%meson', build: '%meson_build', install: '%meson_install' } },
  // cargo fetches the crates Cargo.lock pins in setup: the only phase with the network.
  cargo: {
    phases: { setup: '%cargo_fetch', build: '%cargo_build', install: '%cargo_install', check: '%cargo_test' },
    networking: true,
  },
  'python-pep517': { phases: { build: '%pyproject_build', install: '%pyproject_install' } },
  'python-setuptools': { phases: { build: '%python_setup', install: '%python_install' } },
  perl: { phases: { setup: '%perl_setup', build: '%make', install: '%make_install' } },
};

/**
 * Points a file gives a build system, as the original scores them (depth 0 is the top of the
 * unpacked archive): autotools 10 for each of configure.ac, configure, Makefile.am, Makefile;
 * cmake 20 for CMakeLists.txt; meson 100 for meson.build and for meson_options.txt anywhere;
 * cargo, pep517 and setuptools 100 for each Cargo.toml, pyproject.toml/setup.cfg and setup.py
 * anywhere. Ours besides: perl 100 for Makefile.PL, plain make 15 for a top-level Makefile
 * (so it wins only without configure scripts or CMake), and 50 more for a pyproject.toml that
 * declares its build backend (so it beats the setup.py shim many such projects keep).
 */
export function evidence(name: string, depth: number, text: () => string): Array<[BuildSystem, number]> {
  const top = depth === 0;
  switch (name) {
    case 'configure.ac':
    case 'configure':
    case 'Makefile.am':
      return top ? [['autotools', 10]] : [];
    case 'Makefile':
    case 'makefile':
    case 'GNUmakefile':
      return top
        ? [
            ['autotools', 10],
            ['make', 15],
          ]
        : [];
    case 'CMakeLists.txt':
      return top ? [['cmake', 20]] : [];
    case 'meson.build':
      return top ? [['meson', 100]] : [];
    case 'meson_options.txt':
    case 'meson.options':
      return [['meson', 100]];
    case 'Cargo.toml':
      return [['cargo', 100]];
    case 'pyproject.toml':
      return [['python-pep517', /^\s*\[build-system\]/m.test(text()) ? 150 : 100]];
    case 'setup.cfg':
      return [['python-pep517', 100]];
    case 'setup.py':
      return [['python-setuptools', 100]];
    case 'Makefile.PL':
      return top ? [['perl', 100]] : [];
    default:
      return [];
  }
}
