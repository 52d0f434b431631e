module.exports = { ...require('../../jest.preset.cjs'), displayName: 'slack-app', rootDir: __dirname };
