module.exports = { ...require('../../jest.preset.cjs'), displayName: 'doc-crawler', rootDir: __dirname };
