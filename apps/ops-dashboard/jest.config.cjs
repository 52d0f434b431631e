const preset = require('../../jest.preset.cjs');

// @fastify/static (through @bull-board/fastify) requires content-disposition 2, which is ESM-only.
module.exports = {
  ...preset,
  displayName: 'ops-dashboard',
  rootDir: __dirname,
  transformIgnorePatterns: ['/node_modules/(?!(typebox|cookie|@hpcc-js|dt-sql-parser|content-disposition)/)'],
};
