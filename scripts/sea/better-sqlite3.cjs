'use strict';
// `better-sqlite3` inside a single executable: the package's own JavaScript, given the native
// module extracted and checked by native.cjs (as its lib/<platform>.js entries do with theirs).
const createDatabase = require('better-sqlite3/lib/database.js');

module.exports = createDatabase(() => require('./native.cjs').loadNative('better_sqlite3'), false);
module.exports.SqliteError = require('better-sqlite3/lib/sqlite-error.js');
