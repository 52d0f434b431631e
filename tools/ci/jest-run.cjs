// Runs Jest for `npm test` (extra arguments go to Jest), writes test-artifacts/jest-results.json
// and ends with one plain summary line; exits with Jest's code.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const root = path.resolve(__dirname, '../..');
const results = path.join(root, 'test-artifacts/jest-results.json');
require('node:fs').mkdirSync(path.dirname(results), { recursive: true });
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const run = spawnSync(process.execPath, [jest, '--json', `--outputFile=${results}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env },
});
spawnSync(process.execPath, [path.join(__dirname, 'summary.cjs'), results], { stdio: 'inherit' });
process.exit(run.status ?? 1);
