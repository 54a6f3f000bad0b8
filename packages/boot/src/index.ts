export { type BlockDevice, ESP_TYPE, XBOOTLDR_TYPE } from './block-devices.js';
export { type BootEntry, type ParsedBootEntry, parseBootEntry, renderBootEntry } from './boot-entry.js';
export { BootError, type BootErrorCode } from './boot-error.js';
export { type BootStatus, type BootStatusOptions, bootStatus, type EntryStatus } from './boot-status.js';
export { type CmdlineSnippet, parseCmdlineSnippet, readCmdlineSnippets } from './cmdline.js';
export {
  type BootEnvironment,
  type BootPartition,
  type DiscoverOptions,
  discoverBootEnvironment,
} from './discover-boot.js';
export { decodeEfiString, LOADER_VENDOR_GUID, readLoaderVariable } from './efivars.js';
export { type GptPartition, parseGpt } from './gpt.js';
export { discoverKernels, type Kernel } from './kernels.js';
export { type MountInfo, parseMountInfo } from './mountinfo.js';
export { type OsRelease, parseOsRelease } from './os-release.js';
export { type PlannedEntry, type PlannedFile, planBootEntries, selectStates } from './plan-boot-entries.js';
export { rootArguments } from './root-argument.js';
export {
  type BootEvent,
  type BootStateInput,
  type SyncBootOptions,
  type SyncBootResult,
  type SyncedEntry,
  syncBoot,
} from './sync-boot.js';
export { installSystemdBoot, type LoaderInstall, systemdBootVersion } from './systemd-boot.js';
export { compareVersions } from './version-compare.js';
