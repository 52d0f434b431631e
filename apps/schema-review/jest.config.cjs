// dt-sql-parser's ES build imports antlr4-c3, which ships only ES modules: transform both.
const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  displayName: 'schema-review',
  rootDir: __dirname,
  transformIgnorePatterns: ['/node_modules/(?!(typebox|cookie|@hpcc-js|dt-sql-parser|antlr4-c3)/)'],
};
