module.exports = { ...require('../../jest.preset.cjs'), displayName: 'review', rootDir: __dirname };
