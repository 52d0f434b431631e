// The pool's worker when the reviewer runs from TypeScript sources (CLI and benchmark under tsx,
// Jest): tsx compiles the task and resolves dt-sql-parser's directory imports. The built service
// bundles its own JavaScript entry instead (apps/schema-review/src/parse-worker.ts).
require('tsx/cjs/api').register();
module.exports = require('./parse-task.ts');
