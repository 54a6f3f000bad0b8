// Injected as `import.meta.url` into the CommonJS bundle (scripts/bundle.mjs): the bundle file's
// own URL, so URLs relative to it (workers, assets) resolve beside it.
import { pathToFileURL } from 'node:url';

export const __serpent_meta_url = pathToFileURL(__filename).href;
