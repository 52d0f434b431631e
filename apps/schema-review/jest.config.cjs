// dt-sql-parser's ES build imports antlr4-c3, which ships only ES modules: add it to the
// preset's list of node_modules that are transformed (kept in step with the preset).
const preset = require('../../jest.preset.cjs');

const transformIgnorePatterns = preset.transformIgnorePatterns.map((p) => p.replace('dt-sql-parser', 'dt-sql-parser|antlr4-c3'));

module.exports = { ...preset, displayName: 'schema-review', rootDir: __dirname, transformIgnorePatterns };
