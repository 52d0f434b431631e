module.exports = { ...require('../../jest.preset.cjs'), displayName: 'audit-verify', rootDir: __dirname };
