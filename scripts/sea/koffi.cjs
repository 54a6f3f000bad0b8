'use strict';
// `koffi` inside a single executable: its native module, extracted and checked (native.cjs).
// The package's own loader only searches node_modules for the file; the native module alone is
// the whole API we use.
const koffi = require('./native.cjs').loadNative('koffi');

module.exports = koffi;
module.exports.default = koffi;
