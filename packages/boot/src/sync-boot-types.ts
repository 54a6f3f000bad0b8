import type { LoaderInstall } from './systemd-boot.js';

/** One moss state as the transaction engine knows it. */
export interface BootStateInput {
  readonly id: number | string;
  /** The state's `/usr` tree: `<root>/usr` for the live state, its archived tree otherwise. */
  readonly usrDir: string;
  readonly createdAt: Date | string | number;
  /** A few words for the menu title, e.g. `install firefox`. */
  readonly summary?: string;
}

export interface SyncBootOptions {
  /** The installation root. `/` is the running system; anything else is an image. */
  readonly root: string;
  /** The states moss has (any order); entries go to `defaultId` and the `keep` newest others. */
  readonly states: readonly BootStateInput[];
  /** The state to boot by default (the one just made or activated); default: the newest. */
  readonly defaultId?: number | string;
  /** How many older states get entries besides the default one (default 4, as moss). */
  readonly keep?: number;
  /**
   * The ESP directory. Required for an image (the host's ESP is never used for one);
   * for the running system it replaces discovery.
   */
  readonly bootDir?: string;
  /** An XBOOTLDR directory for kernels and entries (with bootDir). */
  readonly xbootldrDir?: string;
  /** Where the running system's `/sys`, `/proc`, `/dev` and mounts are seen (tests); default `/`. */
  readonly sysRoot?: string;
  /**
   * root=… (and rootflags, rd.luks…) for every entry. Default: discovered for the running
   * system; none for an image, whose root systemd-gpt-auto-generator then finds by its
   * Discoverable Partitions type.
   */
  readonly rootArgument?: string;
  /** Replaces the OS name in titles (default os-release PRETTY_NAME). */
  readonly osName?: string;
  /** Names files and entries (default os-release ID). */
  readonly entryToken?: string;
  /** Install or update systemd-boot from the default state (default true). */
  readonly installBootloader?: boolean;
  /** Told about each step as it happens; the tools render these. */
  readonly onEvent?: (event: BootEvent) => void;
}

/** What syncBoot reports while it works (the result repeats it in total). */
export type BootEvent =
  | { readonly type: 'boot-copy'; readonly source: string; readonly target: string }
  | {
      readonly type: 'boot-entry';
      readonly path: string;
      readonly stateId: string;
      readonly changed: boolean;
    }
  | { readonly type: 'boot-loader'; readonly install: LoaderInstall }
  | { readonly type: 'boot-remove'; readonly path: string }
  | { readonly type: 'warning'; readonly message: string };

export interface SyncedEntry {
  /** Path of the entry file. */
  readonly path: string;
  readonly stateId: string;
  readonly kernelVersion: string;
  readonly title: string;
  readonly isDefault: boolean;
}

export interface SyncBootResult {
  /** `skipped` leaves the boot partition untouched; `reason` says why (BIOS, no kernel). */
  readonly status: 'synced' | 'skipped';
  readonly reason?: string;
  readonly mode: 'native' | 'image';
  readonly espDir?: string;
  readonly bootRoot?: string;
  readonly entries: readonly SyncedEntry[];
  /** Files copied this run (absolute paths on the boot partition). */
  readonly copied: readonly string[];
  /** Files already in place with the right content. */
  readonly unchanged: number;
  /** Entries and files removed because no selected state needs them any more. */
  readonly removed: readonly string[];
  readonly bootloader: readonly LoaderInstall[];
  /** States left out and why (missing tree, no kernel). */
  readonly warnings: readonly string[];
}

/** Records what this package owns on a boot partition, so cleanup never touches anything else. */
