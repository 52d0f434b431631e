import { randomBytes } from 'node:crypto';
import { reviewSql } from '../src';

describe('broken and hostile input', () => {
  it('turns binary garbage into findings, never a crash', () => {
    const garbage = randomBytes(64 * 1024).toString('latin1');
    const result = reviewSql(garbage);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.findings.every((f) => f.ruleId === 'syntax-error' || f.category === 'suppression' || f.severity)).toBe(true);
  });

  it('reports an unclosed quote, backtick or comment at the statement where it opens', () => {
    for (const [sql, what] of [
      ["SELECT 1;\nINSERT INTO t VALUES ('oops);\nDROP TABLE x;", "' quote"],
      ['SELECT 1;\nCREATE TABLE `t (id int);', '` quote'],
      ['SELECT 1;\n/* never closed\nDROP TABLE x;', '/* comment'],
    ] as const) {
      const result = reviewSql(sql);
      const f = result.findings.find((x) => x.ruleId === 'syntax-error');
      expect(f).toMatchObject({ line: 2, message: expect.stringContaining(what) });
    }
  });

  it('refuses to parse one enormous statement but still reviews the others', () => {
    const sql = `TRUNCATE TABLE a;\nINSERT INTO t VALUES ${Array.from({ length: 40_000 }, (_, i) => `(${i})`).join(',')};\nTRUNCATE TABLE b;`;
    const result = reviewSql(sql);
    expect(result.findings.find((f) => f.ruleId === 'syntax-error')?.message).toContain('characters long');
    expect(result.findings.filter((f) => f.ruleId === 'safety-truncate').map((f) => f.line)).toEqual([1, 3]);
  });

  it('survives deeply nested parentheses, NUL bytes, lone delimiters and odd DELIMITER use', () => {
    const cases = [
      `SELECT ${'('.repeat(2000)}1${')'.repeat(2000)};`,
      `CREATE TABLE t (id int)\u0000;`,
      ';;;;\n;\n',
      'DELIMITER\nDELIMITER $$\nSELECT 1$$\nDELIMITER ;\n',
      '\uFEFFCREATE TABLE t (名前 varchar(10) COMMENT \'日本語\');',
      'ALTER TABLE',
      "'".repeat(10_001),
      '-- '.repeat(50_000),
    ];
    for (const sql of cases) expect(() => reviewSql(sql)).not.toThrow();
  });

  it('reviews a 1 MB file of thousands of statements in one pass', () => {
    const stmt = "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0 COMMENT 'x', ALGORITHM=INSTANT;\n";
    const sql = stmt.repeat(Math.ceil(1_000_000 / stmt.length));
    const result = reviewSql(sql);
    expect(result.summary.statements).toBeGreaterThan(10_000);
    expect(result.summary.unparsed).toBe(0);
  });
});

describe('keyword soup', () => {
  it('gives findings for random sequences of SQL words and symbols', () => {
    const words = ['CREATE', 'TABLE', 'ALTER', 'ADD', 'COLUMN', 'INDEX', '(', ')', ',', 'int', 'varchar(10)', 'NOT', 'NULL', 'DEFAULT', "'x'", '`a`', 'PRIMARY', 'KEY', 'PARTITION', 'BY', 'SELECT', 'FROM', 'AS', '=', '1'];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const sql = Array.from({ length: 300 }, () => Array.from({ length: 1 + (next() % 30) }, () => words[next() % words.length]).join(' ')).join(';\n');
    const result = reviewSql(sql);
    expect(result.summary.statements).toBeGreaterThan(250);
    expect(result.summary.unparsed).toBeGreaterThan(0);
  });
});
