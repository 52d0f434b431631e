module.exports = { ...require('../../jest.preset.cjs'), displayName: 'mysql', rootDir: __dirname };
