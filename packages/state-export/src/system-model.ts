/** The system model format version this package reads and writes. */
export const MODEL_VERSION = 1;

/** A repository of a model: the entry of `etc/moss/repo.d/<id>.yaml`, with its id. */
export interface ModelRepository {
  readonly id: string;
  readonly uri: string;
  /** Higher is preferred; default 0. */
  readonly priority: number;
  readonly description?: string | undefined;
  /** Default true. */
  readonly active: boolean;
  /** Trusted minisign public keys (base64 lines); empty: the index is not verified. */
  readonly keys: readonly string[];
}

/** A system model: what a system should have (what you want), without versions. */
export interface SystemModel {
  readonly version: typeof MODEL_VERSION;
  /** Undefined when the model leaves them out: the system's configured repositories then serve. */
  readonly repositories: readonly ModelRepository[] | undefined;
  /** Names or providers (`nano`, `binary(nano)`), as written. */
  readonly packages: readonly string[];
}
