module.exports = { ...require('../../jest.preset.cjs'), displayName: 'slack-stand-in', rootDir: __dirname };
