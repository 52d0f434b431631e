// `npm test` runs every project's tests in one Jest process pool.
const { readdirSync, existsSync } = require('node:fs');
const path = require('node:path');

const projects = ['apps', 'libs', 'tools']
  .filter((dir) => existsSync(path.join(__dirname, dir)))
  .flatMap((dir) => readdirSync(path.join(__dirname, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(__dirname, dir, d.name)))
  .filter((p) => existsSync(path.join(p, 'jest.config.cjs')));

// testTimeout is a global option: the preset's value is ignored under `projects`.
module.exports = { projects, testTimeout: 30000 };
