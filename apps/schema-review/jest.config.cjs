module.exports = { ...require('../../jest.preset.cjs'), displayName: 'schema-review', rootDir: __dirname };
