export { ElfError, type ElfErrorCode } from './elf-error.js';
export { type ElfInfo, type ElfSource, fdSource, isElf, readElf } from './read-elf.js';
