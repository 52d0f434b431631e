module.exports = { ...require('../../jest.preset.cjs'), displayName: 'ops-dashboard', rootDir: __dirname };
