// dt-sql-parser (view references) imports antlr4-c3, which ships only ES modules: transform it too,
// as libs/review's config does.
const preset = require('../../jest.preset.cjs');

const transformIgnorePatterns = preset.transformIgnorePatterns.map((p) => p.replace('dt-sql-parser', 'dt-sql-parser|antlr4-c3'));

module.exports = { ...preset, displayName: 'docs', rootDir: __dirname, transformIgnorePatterns };
