module.exports = { ...require('../../jest.preset.cjs'), displayName: 'evidence', rootDir: __dirname };
