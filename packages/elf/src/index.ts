export { ElfError, type ElfErrorCode } from './elf-error.js';
export { type ElfInfo, isElf, readElf } from './read-elf.js';
