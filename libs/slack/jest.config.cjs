module.exports = { ...require('../../jest.preset.cjs'), displayName: 'slack', rootDir: __dirname };
