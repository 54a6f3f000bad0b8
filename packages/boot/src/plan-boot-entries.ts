import type { BootEntry } from './boot-entry.js';
import type { Kernel } from './kernels.js';
import type { OsRelease } from './os-release.js';

/** A state as this package needs it: what moss records, plus what was read from its tree. */
export interface StateBootInfo {
  readonly id: string;
  readonly createdAt: Date;
  readonly summary: string | undefined;
  readonly os: OsRelease;
  /** Kernels newest first, each with the SHA-256 of its image and initrds. */
  readonly kernels: ReadonlyArray<{ kernel: Kernel; imageHash: string; initrdHashes: readonly string[] }>;
  /** Merged command-line snippet texts (`/usr/lib/kernel/cmdline.d` + `/etc/kernel/cmdline.d`). */
  readonly snippets: readonly string[];
}

export interface PlanInput {
  /** Names the entries (`<token>-<state>-<kernel>.conf`) and the kernel directory (`/<token>/`). */
  readonly token: string;
  /** Replaces the OS name in titles. */
  readonly osName: string | undefined;
  /** root=… arguments; empty lets systemd-gpt-auto-generator find the root (images). */
  readonly rootArguments: readonly string[];
  /** Selected states, the one to boot by default first. */
  readonly states: readonly StateBootInfo[];
}

/** A file to place on the boot partition; `target` is absolute within it. */
export interface PlannedFile {
  readonly source: string;
  readonly target: string;
  readonly sha256: string;
}

export interface PlannedEntry {
  readonly fileName: string;
  readonly stateId: string;
  readonly kernelVersion: string;
  readonly entry: BootEntry;
}

/**
 * Turns states into entries and the files they need. Decisions:
 *  - `sort-key <token>-<rank>` with rank 0 for the first state: systemd-boot (≥ 251) orders
 *    entries by sort-key, then by version downwards, and boots the first one, so the state
 *    given first is the default even when it is older than others (after a rollback);
 *    blsforme wrote no sort-key and the loader's file-name order could prefer an old state.
 *  - `version` is the kernel version, so several kernels of one state sort newest first.
 *  - kernel and initrd file names carry 16 hex digits of their SHA-256: one copy per
 *    content, shared by every state that ships it, and a rebuilt kernel of the same version
 *    gets its own file (blsforme shared one directory per version; the last state won).
 *  - titles name the state; blsforme gave every state the same title.
 */
export function planBootEntries(input: PlanInput): { entries: PlannedEntry[]; files: PlannedFile[] } {
  const entries: PlannedEntry[] = [];
  const files = new Map<string, PlannedFile>();
  const rankWidth = Math.max(2, String(input.states.length - 1).length);
  input.states.forEach((state, rank) => {
    for (const { kernel, imageHash, initrdHashes } of state.kernels) {
      const dir = `/${safeName(input.token)}/${safeName(kernel.version)}`;
      const linux = `${dir}/${hashedName('vmlinuz', imageHash)}`;
      files.set(linux, { source: kernel.image, target: linux, sha256: imageHash });
      const initrd = kernel.initrds.map((path, i) => {
        const target = `${dir}/${hashedName(baseName(path), initrdHashes[i]!)}`;
        files.set(target, { source: path, target, sha256: initrdHashes[i]! });
        return target;
      });
      const options = [
        ...input.rootArguments,
        'rw',
        `moss.fstx=${state.id}`,
        ...kernel.cmdline,
        ...state.snippets,
      ].join(' ');
      const title = entryTitle(
        input.osName ?? state.os.prettyName,
        state,
        state.kernels.length > 1 ? kernel.version : undefined,
      );
      entries.push({
        fileName: `${safeName(input.token)}-${safeName(state.id)}-${safeName(kernel.version)}.conf`,
        stateId: state.id,
        kernelVersion: kernel.version,
        entry: {
          title,
          version: kernel.version,
          sortKey: `${input.token}-${String(rank).padStart(rankWidth, '0')}`,
          linux,
          initrd,
          options,
        },
      });
    }
  });
  return { entries, files: [...files.values()] };
}

/**
 * Picks the states to write entries for: `defaultId` first (the newest when not given),
 * then the `keep` most recent others by creation time. Creation times are whole seconds (the
 * state DB's, as the original's), so states made in one second tie: the higher id is the newer
 * (ids only grow), which keeps the choice the same on every run, for moss's tree keeping too.
 */
export function selectStates<T extends { id: string; createdAt: Date }>(
  states: readonly T[],
  keep: number,
  defaultId?: string,
): T[] {
  const newerId = (a: T, b: T) => {
    const [x, y] = [Number(a.id), Number(b.id)];
    if (Number.isFinite(x) && Number.isFinite(y)) return y - x;
    return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
  };
  const byAge = [...states].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || newerId(a, b));
  const first = defaultId === undefined ? byAge[0] : byAge.find((s) => s.id === defaultId);
  if (first === undefined) return [];
  return [first, ...byAge.filter((s) => s !== first).slice(0, Math.max(0, keep))];
}

/** `Serpent OS 0.24.6 - state 12 (2026-11-23 03:50 UTC, install firefox)` */
function entryTitle(osName: string, state: StateBootInfo, kernelVersion: string | undefined): string {
  const when = `${state.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const summary =
    state.summary === undefined || state.summary.trim() === '' ? '' : `, ${truncate(state.summary, 40)}`;
  const kernel = kernelVersion === undefined ? '' : ` kernel ${kernelVersion}`;
  return `${osName} - state ${state.id}${kernel} (${when}${summary})`;
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 3)}...`;
}

/** `50-default.initrd` + hash → `50-default-<16 hex>.initrd`; `vmlinuz` → `vmlinuz-<16 hex>`. */
function hashedName(name: string, sha256: string): string {
  const short = sha256.slice(0, 16);
  const dot = name.lastIndexOf('.');
  const safe = safeName(name);
  return dot <= 0
    ? `${safe}-${short}`
    : `${safeName(name.slice(0, dot))}-${short}${safeName(name.slice(dot))}`;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** vfat forbids quotes, `*`, `/`, `:`, `<`, `>`, `?`, `\\`, `|` and control characters; kernel versions never need them. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._+~-]/g, '_');
}
