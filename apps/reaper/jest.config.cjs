module.exports = { ...require('../../jest.preset.cjs'), displayName: 'reaper', rootDir: __dirname };
