// Prints Jest's result file as one plain closing line: "N passed, N failed, N skipped".
const { readFileSync } = require('node:fs');
const file = process.argv[2] ?? 'test-artifacts/jest-results.json';
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
} catch (err) {
  console.error(`no Jest results at ${file}: ${err.message}`);
}
