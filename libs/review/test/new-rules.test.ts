import { formatGitlab, resolveConfig, reviewSql, runCli } from '../src';
import { shopLive } from './helpers';

const live = shopLive();
const ids = (sql: string, options: Parameters<typeof reviewSql>[1] = {}): string[] => reviewSql(sql, options).findings.map((f) => f.ruleId);

describe('parameters users ask for', () => {
  it('checks name templates with placeholders when enabled', () => {
    const config = resolveConfig({ rules: { 'naming-index-template': 'on', 'naming-unique-template': { params: { template: 'ux_{{table}}_{{column_list}}' } }, 'naming-foreign-key-template': 'on' } });
    expect(ids('ALTER TABLE orders ADD INDEX idx_orders_user_id_created_at (user_id, created_at)', { config })).not.toContain('naming-index-template');
    expect(reviewSql('ALTER TABLE orders ADD INDEX idx_user (user_id)', { config }).findings.find((f) => f.ruleId === 'naming-index-template')?.message).toBe('Index `idx_user` should be named `idx_orders_user_id`.');
    expect(ids('ALTER TABLE users ADD UNIQUE KEY ux_users_email (email)', { config })).not.toContain('naming-unique-template');
    expect(ids('ALTER TABLE orders ADD CONSTRAINT fk_orders_user_id_users_id FOREIGN KEY (user_id) REFERENCES users (id)', { config })).not.toContain('naming-foreign-key-template');
  });

  it('checks non-reserved keywords only as an option', () => {
    const sql = 'ALTER TABLE t ADD COLUMN status tinyint NOT NULL DEFAULT 0';
    expect(ids(sql)).not.toContain('naming-keyword');
    expect(ids(sql, { config: resolveConfig({ rules: { 'naming-keyword': 'on' } }) })).toContain('naming-keyword');
  });

  it('limits comment lengths with a configured maximum', () => {
    const config = resolveConfig({ rules: { 'column-comment-length': { params: { max: 10 } }, 'table-comment-length': { params: { max: 5 } } } });
    expect(ids("CREATE TABLE t (id int NOT NULL PRIMARY KEY COMMENT 'identifier of the row') COMMENT='orders'", { config })).toEqual(expect.arrayContaining(['column-comment-length', 'table-comment-length']));
  });
});

describe('size- and lock-aware advice', () => {
  it('gives the verdict the table size and an estimated duration, and escalates with the exact tool command', () => {
    const result = reviewSql('ALTER TABLE orders MODIFY note varchar(200) NULL, ALGORITHM=COPY', { live });
    const v = result.statements[0]?.onlineDdl;
    // orders: 12 GB in the snapshot; a COPY at the default 20 MB/s.
    expect(v?.table).toMatchObject({ name: 'orders', rows: 210_000_000 });
    expect(v?.table?.estimatedSeconds).toBe(Math.ceil((v?.table?.bytes ?? 0) / (20 * 1024 ** 2)));
    const f = result.findings.find((x) => x.ruleId === 'online-ddl-large-table-tool');
    expect(f?.severity).toBe('error');
    expect(f?.fix).toContain('gh-ost --host=<writer endpoint> --database=shop --table=orders --alter="MODIFY note varchar(200) NULL"');
    expect(f?.fix).toContain('pt-online-schema-change --alter "MODIFY note varchar(200) NULL" D=shop,t=orders');
  });

  it('uses the configured rebuild rate', () => {
    const config = resolveConfig({ rebuildRate: { copyMBps: 100, inplaceMBps: 200 } });
    const v = reviewSql('ALTER TABLE orders MODIFY note varchar(200) NULL', { live, config }).statements[0]?.onlineDdl;
    expect(v?.table?.estimatedSeconds).toBe(Math.ceil((v?.table?.bytes ?? 0) / (100 * 1024 ** 2)));
  });
});

describe('outputs', () => {
  it('writes GitLab Code Quality JSON with exact positions', () => {
    const result = reviewSql('SELECT 1;\n  DROP TABLE users;', { file: 'migrations/001.sql' });
    const report = formatGitlab([result]);
    const drop = report.find((r) => r['check_name'] === 'safety-drop-table');
    expect(drop).toMatchObject({ severity: 'critical', location: { path: 'migrations/001.sql', positions: { begin: { line: 2, column: 3 } } } });
    expect(drop?.['fingerprint']).toMatch(/^[0-9a-f]{64}$/);
    expect(formatGitlab([reviewSql('SELECT 1;\n  DROP TABLE users;', { file: 'migrations/001.sql' })])[0]?.['fingerprint']).toBe(report[0]?.['fingerprint']);
  });

  it('lists at least 110 rules', async () => {
    let out = '';
    const code = await runCli(['--list-rules'], { stdout: (t) => (out += t), stderr: () => undefined, cwd: process.cwd() });
    expect(code).toBe(0);
    expect(out.trim().split('\n').length).toBeGreaterThanOrEqual(110);
  });
});
