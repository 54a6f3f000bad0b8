'use strict';
// `node:module` inside a single executable: `createRequire(url)('koffi')` (how our packages load
// koffi lazily) gets the embedded copy; every other id goes to Node's own require.
const nodeModule = require('node:module');

function createRequire(from) {
  const real = nodeModule.createRequire(from);
  const ours = (id) => {
    if (id === 'koffi') return require('./koffi.cjs');
    if (id === 'better-sqlite3') return require('./better-sqlite3.cjs');
    return real(id);
  };
  return Object.assign(ours, { resolve: real.resolve, cache: real.cache, main: real.main });
}

module.exports = { ...nodeModule, createRequire };
