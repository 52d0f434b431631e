module.exports = { ...require('../../jest.preset.cjs'), displayName: 'drivers', rootDir: __dirname };
