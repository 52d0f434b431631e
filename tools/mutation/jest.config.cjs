// Two uses. Under `npm run test:mutation` (MUTATION_LIB set), the Jest config of a mutation run: Stryker's test
// runner runs in the sandbox (the cwd), so the lib's own config is read from there (its rootDir and @dbre/* paths
// point at the mutated sources) and the sequencer drops the test files holding none of the tests that cover the
// active mutant. Otherwise (`npm test`), the project config of tools/mutation's own tests.
const path = require('node:path');

const lib = process.env.MUTATION_LIB;

module.exports = lib
  ? { ...require(path.join(process.cwd(), 'libs', lib, 'jest.config.cjs')), testSequencer: path.join(__dirname, 'sequencer.cjs') }
  : { ...require('../../jest.preset.cjs'), displayName: 'mutation', rootDir: __dirname };
