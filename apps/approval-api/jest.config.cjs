module.exports = { ...require('../../jest.preset.cjs'), displayName: 'approval-api', rootDir: __dirname };
