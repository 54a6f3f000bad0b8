'use strict';
// `node:worker_threads` for a single executable: a worker module of ours (a URL of
// `<asset dir>/<name>.js`, see scripts/bundle.mjs) starts from the script embedded in the
// executable (`workers/<name>.cjs`) as an eval'd worker; anything else starts as usual.
const path = require('node:path');
const sea = require('node:sea');
const { fileURLToPath } = require('node:url');
const threads = require('node:worker_threads');
const { assetDir, getManifest } = require('./native.cjs');

class Worker extends threads.Worker {
  constructor(filename, options) {
    const file = filename instanceof URL ? fileURLToPath(filename) : String(filename);
    const name = path.basename(file).replace(/\.[cm]?[jt]s$/, '');
    const embedded = `workers/${name}.cjs`;
    if (path.dirname(file) === assetDir() && getManifest().workers.includes(embedded)) {
      super(sea.getAsset(embedded, 'utf8'), { ...options, eval: true });
    } else {
      super(filename, options);
    }
  }
}

module.exports = { ...threads, Worker };
