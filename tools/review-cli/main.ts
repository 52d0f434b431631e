// `npm run review -- migrations/**/*.sql`: the schema reviewer for CI. Globs resolve from the
// directory npm was started in (INIT_CWD), so it works from any sub-directory of the repo.
import { runCli } from '@dbre/review';

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.env['INIT_CWD'] ?? process.cwd(),
})
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    console.error('review failed:', err);
    process.exitCode = 2;
  });
