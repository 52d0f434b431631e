import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createReviewPool, reviewSql, type ReviewPool } from '../src';
import { FIXTURES } from './helpers';

/** 400 nested CASE expressions (about 12 KB): ANTLR needs tens of seconds for it. */
const nestedCase = `SELECT ${'CASE WHEN a = 1 THEN '.repeat(400)}1${' END'.repeat(400)} FROM t`;

// Worker threads load the parser from TypeScript sources through tsx: slow on a busy machine.
jest.setTimeout(300_000);

describe('the review worker pool', () => {
  let pool: ReviewPool;
  beforeAll(() => {
    pool = createReviewPool({ threads: 2, statementBudgetMs: 3_000, chunkStatements: 4 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('gives the same review as the in-process reviewer', async () => {
    const sql = ['bad/001_legacy_table.sql', 'bad/002_destructive.sql', 'good/002_orders_partitioned.sql'].map((f) => readFileSync(path.join(FIXTURES, 'migrations', f), 'utf8')).join('\n');
    const pooled = await pool.review(sql);
    const direct = reviewSql(sql);
    expect(pooled.findings).toEqual(direct.findings);
    expect(pooled.statements).toEqual(direct.statements);
  });

  it('turns a statement over its time budget into a finding, reviews the others and keeps the event loop free', async () => {
    const sql = `TRUNCATE TABLE a;\n${nestedCase};\nDROP TABLE b;\nALTER TABLE c ADD COLUMN d int NULL;`;
    const review = pool.review(sql);
    // The event loop answers while the review runs (the parse happens in a worker thread).
    const tick = new Promise((resolve) => setTimeout(() => resolve('tick'), 20));
    await expect(Promise.race([tick, review])).resolves.toBe('tick');
    const result = await review;
    expect(result.findings.filter((f) => f.ruleId === 'parse-time-budget').map((f) => f.line)).toEqual([2]);
    expect(result.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['safety-truncate', 'safety-drop-table']));
    expect(result.summary.unparsed).toBe(1);
    // The pool still works after a worker was stopped.
    expect((await pool.review('DROP TABLE x;')).findings.map((f) => f.ruleId)).toContain('safety-drop-table');
  });
});
