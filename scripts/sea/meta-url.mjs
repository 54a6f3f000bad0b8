// Injected into a single executable's bundle as `import.meta.url` (scripts/bundle.mjs --sea):
// a file URL inside the extracted asset directory, so `new URL('./assets/...', import.meta.url)`
// finds the extracted data and `new URL('./x-worker.js', import.meta.url)` names an embedded
// worker. If the directory cannot be had (a cache directory another user may write), the URL
// still names it and the error is raised where an addon is loaded, through the tool's error
// rendering, instead of crashing every command at start-up.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assetDir, plannedAssetDir } from './native.cjs';

let dir;
try {
  dir = assetDir();
} catch {
  dir = plannedAssetDir();
}
export const __serpent_sea_url = pathToFileURL(join(dir, 'main.cjs')).href;
