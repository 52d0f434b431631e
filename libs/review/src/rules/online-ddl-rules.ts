import { z } from 'zod';
import { tableKey, type Pos } from '../sql/model';
import { defineRule } from './types';

const ALG_RANK = { INSTANT: 0, INPLACE: 1, COPY: 2, DEFAULT: 3 } as const;

export const onlineDdlRules = [
  defineRule({
    id: 'online-ddl-blocking',
    category: 'online-ddl',
    severity: 'warning',
    title: 'ALTERs that copy the table or block writes are flagged',
    rationale: 'A COPY (or LOCK=SHARED) ALTER blocks writes to the table for as long as it takes to rewrite it; replicas then apply it serially and lag.',
    fix: 'Split out the blocking clause, or run it with gh-ost / pt-online-schema-change (table needs a primary key, no triggers; gh-ost also no foreign keys).',
    examples: [{ bad: 'ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4', good: 'ALTER TABLE t ADD COLUMN a int NULL' }],
    check(_stmt, ctx) {
      const v = ctx.onlineDdl;
      if (!v || (v.algorithm !== 'COPY' && v.lock === 'NONE')) return;
      const worst = v.clauses.filter((c) => c.algorithm === 'COPY' || c.lock !== 'NONE');
      const what = v.algorithm === 'COPY' ? 'copies the whole table (ALGORITHM=COPY) and blocks writes' : `needs LOCK=${v.lock}, blocking writes`;
      ctx.report({ pos: ctx.statement, message: `This ${what}: ${worst.map((c) => `${c.clause.split(/\s+/).slice(0, 4).join(' ')} — ${c.reason}`).join('; ')}.` });
    },
  }),
  defineRule({
    id: 'online-ddl-explicit-algorithm',
    category: 'online-ddl',
    severity: 'info',
    title: 'ALTERs state ALGORITHM and LOCK so MySQL refuses instead of silently blocking',
    rationale: 'With `ALGORITHM=INSTANT` or `ALGORITHM=INPLACE, LOCK=NONE` the server raises an error when it cannot honour them, rather than falling back to a blocking table copy.',
    fix: 'Append the suggested clause to the ALTER.',
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN a int NULL', good: 'ALTER TABLE t ADD COLUMN a int NULL, ALGORITHM=INSTANT' }],
    check(stmt, ctx) {
      const v = ctx.onlineDdl;
      if (!v || !v.suggestion) return;
      if ((stmt.kind === 'alter_table' || stmt.kind === 'create_index') && stmt.algorithm) return;
      const rebuild = v.rebuild ? ' (rebuilds the table in place)' : '';
      ctx.report({ pos: ctx.statement, message: `MySQL 8.0 can run this ${v.algorithm}${rebuild}; say so explicitly.`, fix: `Add \`${v.suggestion}\`.` });
    },
  }),
  defineRule({
    id: 'online-ddl-algorithm-unsupported',
    category: 'online-ddl',
    severity: 'error',
    title: 'A requested ALGORITHM/LOCK is one MySQL can honour',
    rationale: 'If a clause needs a stronger algorithm than requested (e.g. ALGORITHM=INSTANT with a type change) the ALTER fails at deploy time.',
    fix: 'Use the algorithm the verdict gives, or split the ALTER so each part can run as requested.',
    examples: [{ bad: 'ALTER TABLE t ADD INDEX idx_a (a), ALGORITHM=INSTANT', good: 'ALTER TABLE t ADD INDEX idx_a (a), ALGORITHM=INPLACE, LOCK=NONE' }],
    check(stmt, ctx) {
      const v = ctx.onlineDdl;
      if (!v || (stmt.kind !== 'alter_table' && stmt.kind !== 'create_index')) return;
      const asked = stmt.algorithm as keyof typeof ALG_RANK | undefined;
      if (asked && asked in ALG_RANK && asked !== 'DEFAULT' && ALG_RANK[asked] < ALG_RANK[v.algorithm]) {
        ctx.report({ pos: ctx.statement, message: `ALGORITHM=${asked} was requested but this needs ${v.algorithm}: ${v.clauses.filter((c) => ALG_RANK[c.algorithm] > ALG_RANK[asked]).map((c) => c.reason).join('; ')}.` });
      }
      if (stmt.lock === 'NONE' && v.lock !== 'NONE') ctx.report({ pos: ctx.statement, message: `LOCK=NONE was requested but this needs LOCK=${v.lock}.` });
    },
  }),
  defineRule({
    id: 'online-ddl-combine-alters',
    category: 'online-ddl',
    severity: 'warning',
    title: 'Several ALTERs of one table are combined into one',
    rationale: 'Each ALTER that rebuilds the table reads and rewrites all of it again; one ALTER with several clauses rebuilds once (and INSTANT row versions are spent once).',
    fix: 'Merge the clauses into a single `ALTER TABLE t ..., ...`.',
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN a int NULL; ALTER TABLE t ADD INDEX idx_a (a)', good: 'ALTER TABLE t ADD COLUMN a int NULL, ADD INDEX idx_a (a)' }],
    check(stmt, ctx) {
      if (stmt.kind !== 'alter_table' && stmt.kind !== 'create_index') return;
      let seen = ctx.memo.get('online-ddl-combine-alters') as Map<string, Pos> | undefined;
      if (!seen) {
        seen = new Map();
        ctx.memo.set('online-ddl-combine-alters', seen);
      }
      const key = tableKey(stmt.table);
      const first = seen.get(key);
      if (first) ctx.report({ pos: ctx.statement, message: `\`${stmt.table.name}\` is already altered at line ${first.line}; combine the two statements.` });
      else seen.set(key, { line: ctx.statement.line, column: ctx.statement.column });
    },
  }),
  defineRule({
    id: 'online-ddl-osc-compatible',
    category: 'online-ddl',
    severity: 'info',
    title: 'Tables stay compatible with online schema change tools',
    rationale: 'gh-ost needs no foreign keys and no triggers; both gh-ost and pt-online-schema-change need a primary or unique NOT NULL key. Triggers on a table also block gh-ost.',
    fix: 'Avoid triggers on large tables; keep a primary key.',
    params: z.object({}),
    examples: [{ bad: 'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1', good: 'CREATE VIEW v AS SELECT id FROM t' }],
    check(stmt, ctx) {
      if (stmt.kind === 'other' && stmt.keyword.startsWith('create') && /\btrigger\b/i.test(ctx.statement.text.slice(0, 200))) {
        ctx.report({ pos: ctx.statement, message: 'A trigger makes the table unusable with gh-ost and complicates pt-online-schema-change.' });
      }
    },
  }),
];
