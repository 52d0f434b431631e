// Shared by every project's jest.config.cjs: SWC transform (about 2x ts-jest), Node environment,
// and the @dbre/* libs resolved to their sources like tsconfig.base.json's paths.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j|mj|cj)s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  // ESM-only packages (directly or through a dependency) that Jest must transform.
  transformIgnorePatterns: ['/node_modules/(?!(typebox|cookie|@hpcc-js|dt-sql-parser|antlr4-c3|content-disposition|marked)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper: {
    '^@dbre/drivers/aws$': path.join(__dirname, 'libs/drivers/src/aws/index.ts'),
    '^@dbre/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
  },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
};
