import { z } from 'zod';
import { tableKey, type Pos } from '../sql/model';
import { humanBytes } from './helpers';

/** `3h 20m`, `45m`, `40s`. */
export function humanDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m}m` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** The ALTER's clauses without `ALTER TABLE t` and without ALGORITHM/LOCK (the tools choose their own). */
function toolAlter(text: string): string {
  const body = text.replace(/^\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)?TABLE\s+(?:`(?:[^`]|``)+`|[^\s`]+)(?:\.(?:`(?:[^`]|``)+`|[^\s`]+))?\s+/i, '');
  return body
    .split(/,(?![^(]*\))/)
    .map((c) => c.trim())
    .filter((c) => c && !/^(ALGORITHM|LOCK)\s*=?/i.test(c))
    .join(', ')
    .replace(/\s+/g, ' ');
}
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
    id: 'online-ddl-large-table-tool',
    category: 'online-ddl',
    severity: 'error',
    title: 'A blocking ALTER on a large table runs through gh-ost or pt-online-schema-change',
    rationale: 'A COPY (or LOCK=SHARED) ALTER blocks writes for as long as it rewrites the table: minutes to hours on a large one (the estimate uses the snapshot size and the configured rebuild rate). Online schema change tools copy in the background and swap at the end.',
    fix: 'Run the printed gh-ost or pt-online-schema-change command instead of the ALTER (gh-ost needs no foreign keys and no triggers; both need a primary or unique key).',
    params: z.object({ minBytes: z.number().min(0).default(1024 ** 3), minRows: z.number().min(0).default(1_000_000) }),
    examples: [{ bad: 'ALTER TABLE orders MODIFY note varchar(200) NULL', good: 'ALTER TABLE orders ADD COLUMN memo varchar(50) NULL', live: true }],
    check(stmt, ctx) {
      const v = ctx.onlineDdl;
      if (!v?.table || stmt.kind !== 'alter_table' || (v.algorithm !== 'COPY' && v.lock === 'NONE')) return;
      const { bytes, rows } = v.table;
      if (bytes < ctx.params.minBytes && (rows ?? 0) < ctx.params.minRows) return;
      const alter = toolAlter(ctx.statement.text).replaceAll('"', '\\"');
      const schema = ctx.live?.schema ?? '<schema>';
      const est = v.table.estimatedSeconds !== undefined ? `, about ${humanDuration(v.table.estimatedSeconds)} of blocked writes` : '';
      const gh = `gh-ost --host=<writer endpoint> --database=${schema} --table=${stmt.table.name} --alter="${alter}" --chunk-size=1000 --max-load=Threads_running=25 --execute`;
      const pt = `pt-online-schema-change --alter "${alter}" D=${schema},t=${stmt.table.name} --chunk-size=1000 --max-load Threads_running=25 --execute`;
      ctx.report({
        pos: ctx.statement,
        message: `This ${v.algorithm === 'COPY' ? 'COPY' : `LOCK=${v.lock}`} ALTER blocks writes to \`${stmt.table.name}\` (${humanBytes(bytes)}${rows !== undefined ? `, ~${rows.toLocaleString('en-US')} rows` : ''}${est}). Run it with an online schema change tool.`,
        fix: `${gh}\n  or\n${pt}`,
      });
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
