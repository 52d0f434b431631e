// For a mutant, Stryker runs Jest with a testNamePattern naming the tests that cover it, but Jest still loads
// every related test file (all of them when the lib's index imports the file): ~1 s per file on a loaded machine,
// for files whose tests are all skipped. This sequencer keeps only the files that hold a test the pattern selects,
// using the names listed before the run (MUTATION_TEST_NAMES: { "<path from the lib>": [full names] }).
// A file with no selected test runs no test and no hook, so dropping it changes no result. Unknown files are kept.
const { readFileSync } = require('node:fs');
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

class MutationSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.pattern = options.globalConfig.testNamePattern;
  }

  async sort(tests) {
    const sorted = await super.sort(tests);
    const file = process.env.MUTATION_TEST_NAMES;
    if (!this.pattern || !file) return sorted;
    const names = JSON.parse(readFileSync(file, 'utf8'));
    const selects = new RegExp(this.pattern, 'i'); // as jest-circus matches testNamePattern
    const kept = sorted.filter((test) => {
      const listed = names[path.relative(test.context.config.rootDir, test.path).split(path.sep).join('/')];
      return !listed || listed.some((name) => selects.test(name));
    });
    return kept.length ? kept : sorted;
  }
}

module.exports = MutationSequencer;
