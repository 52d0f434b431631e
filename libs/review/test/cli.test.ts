import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../src';
import { FIXTURES, SNAPSHOT_DIR } from './helpers';

async function cli(args: string[], cwd = FIXTURES): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd });
  return { code, out, err };
}

describe('the review CLI', () => {
  it('reviews a glob and exits 1 when a finding reaches --fail-on', async () => {
    const bad = await cli(['migrations/bad/*.sql']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/migrations\/bad\/002_destructive\.sql:2:1 {2}ERROR {2}safety-drop-table/);
    const good = await cli(['migrations/good/*.sql']);
    expect(good.code).toBe(0);
    expect(good.out).toContain('0 error(s), 0 warning(s)');
    expect((await cli(['migrations/bad/*.sql', '--fail-on', 'never'])).code).toBe(0);
    expect((await cli(['migrations/bad/002_destructive.sql', '--fail-on=warning'])).code).toBe(1);
  });

  it('writes SARIF 2.1.0 for code scanning, with suppressions marked in source', async () => {
    const { out } = await cli(['migrations/bad/005_suppressed.sql', '--format', 'sarif']);
    const sarif = JSON.parse(out);
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.length).toBeGreaterThanOrEqual(40);
    const truncate = run.results.find((r: { ruleId: string; suppressions?: unknown }) => r.ruleId === 'safety-truncate' && r.suppressions);
    expect(truncate).toMatchObject({ level: 'error', suppressions: [{ kind: 'inSource' }], locations: [{ physicalLocation: { artifactLocation: { uri: 'migrations/bad/005_suppressed.sql' }, region: { startLine: 5 } } }] });
    expect(run.tool.driver.rules[truncate.ruleIndex].id).toBe('safety-truncate');
  });

  it('prints GitHub workflow annotations, escaped', async () => {
    const { out } = await cli(['migrations/bad/002_destructive.sql', '--format', 'github']);
    expect(out).toContain('::error file=migrations/bad/002_destructive.sql,line=2,col=1,title=safety-drop-table (error)::Drops `old_sessions`.%0AFix: ');
    expect(out.split('\n').filter(Boolean).every((l) => /^::(error|warning|notice) /.test(l))).toBe(true);
  });

  it('prints JSON with a summary and compares with a snapshot', async () => {
    const { out } = await cli(['migrations/bad/002_destructive.sql', '--format', 'json', '--cluster', 'shop-prod', '--schema', 'shop', '--snapshots', SNAPSHOT_DIR]);
    const json = JSON.parse(out);
    expect(json.results[0].context).toMatchObject({ status: 'found', cluster: 'shop-prod' });
    expect(json.summary.files).toBe(1);
    expect(json.results[0].findings.map((f: { ruleId: string }) => f.ruleId)).toContain('context-table-missing');
  });

  it('uses a YAML config and refuses bad arguments with exit code 2', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'review-cli-'));
    try {
      await writeFile(path.join(dir, 'a.sql'), 'TRUNCATE TABLE t;');
      await writeFile(path.join(dir, '.schema-review.yaml'), 'rules:\n  safety-truncate: off\n');
      expect((await cli(['a.sql'], dir)).code).toBe(0);
      await writeFile(path.join(dir, 'bad.yaml'), 'rules:\n  nope: off\n');
      const badConfig = await cli(['a.sql', '--config', 'bad.yaml'], dir);
      expect(badConfig).toMatchObject({ code: 2, err: expect.stringContaining('nope: no such rule') });
      expect((await cli(['a.sql', '--format', 'xml'], dir)).code).toBe(2);
      expect((await cli(['nothing/*.sql'], dir)).err).toContain('no file matches');
      expect((await cli(['a.sql', '--cluster', 'x'], dir)).code).toBe(2);
      await writeFile(path.join(dir, 'big.sql'), 'SELECT 1;\n'.repeat(1000));
      const big = await cli(['big.sql', '--max-bytes', '100', '--output', 'out.txt', '--config', '.schema-review.yaml'], dir);
      expect(big.code).toBe(1);
      expect(await readFile(path.join(dir, 'out.txt'), 'utf8')).toContain('over the 100 the reviewer reads');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists the rules', async () => {
    const { code, out } = await cli(['--list-rules']);
    expect(code).toBe(0);
    expect(out.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(40);
  });
});
