/** The index file `moss index DIR` writes and a repository URI names. */
export const INDEX_NAME = 'stone.index';
