module.exports = { ...require('../../jest.preset.cjs'), displayName: 'request-api', rootDir: __dirname };
