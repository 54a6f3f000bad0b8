// Injected into a single executable's bundle as `import.meta.url` (scripts/bundle.mjs --sea):
// a file URL inside the extracted asset directory, so `new URL('./assets/...', import.meta.url)`
// finds the extracted data and `new URL('./x-worker.js', import.meta.url)` names an embedded worker.
import { pathToFileURL } from 'node:url';
import { assetDir } from './native.cjs';

export const __serpent_sea_url = pathToFileURL(`${assetDir()}/main.cjs`).href;
