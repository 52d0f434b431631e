module.exports = { ...require('../../jest.preset.cjs'), displayName: 'compose-check', rootDir: __dirname };
