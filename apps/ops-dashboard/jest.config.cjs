const preset = require('../../jest.preset.cjs');

// marked is ESM-only: Jest must transform it (the preset lists the workspace's other ESM-only packages).
module.exports = {
  ...preset,
  displayName: 'ops-dashboard',
  rootDir: __dirname,
  transformIgnorePatterns: [preset.transformIgnorePatterns[0].replace('(typebox|', '(marked|typebox|')],
};
