import { runCli } from '../src';
import { FIXTURES } from './helpers';

// --jobs starts worker threads that load the parser from TypeScript sources: slow on a busy machine.
jest.setTimeout(300_000);

describe('the review CLI with --jobs', () => {
  it('reviews many files in parallel worker threads with the same findings as in-process', async () => {
    const run = async (extra: string[]): Promise<{ code: number; out: string }> => {
      let out = '';
      const code = await runCli(['migrations/**/*.sql', '--format', 'json', '--fail-on', 'never', ...extra], { stdout: (t) => (out += t), stderr: () => undefined, cwd: FIXTURES });
      return { code, out };
    };
    const inProcess = await run([]);
    const parallel = await run(['--jobs', '2']);
    expect(parallel.code).toBe(0);
    const findings = (out: string): unknown => (JSON.parse(out) as { results: Array<{ file: string; findings: unknown[] }> }).results.map((r) => [r.file, r.findings]);
    expect(findings(parallel.out)).toEqual(findings(inProcess.out));
    expect((JSON.parse(parallel.out) as { results: unknown[] }).results.length).toBeGreaterThanOrEqual(8);
  });
});
