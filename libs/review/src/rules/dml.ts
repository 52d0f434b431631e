import { z } from 'zod';
import type { StatementModel } from '../sql/model';
import { dmlShape, type DmlShape } from './dml-shape';
import { defineRule, type RuleContext } from './types';

const DML = /^(insert|update|delete|replace)$/;
const DDL_KINDS = new Set<StatementModel['kind']>(['create_table', 'alter_table', 'create_index', 'drop_index', 'drop_table', 'truncate', 'rename_table', 'create_view', 'drop_view']);

function dml(stmt: StatementModel, ctx: RuleContext<unknown>): DmlShape | undefined {
  if (stmt.kind !== 'other') return undefined;
  const first = stmt.keyword.split(' ')[0] ?? '';
  if (!DML.test(first) && first !== 'select' && first !== 'with') return undefined;
  return dmlShape(ctx.statement);
}

function memo<T>(ctx: RuleContext<unknown>, key: string, init: () => T): T {
  let v = ctx.memo.get(key) as T | undefined;
  if (v === undefined) {
    v = init();
    ctx.memo.set(key, v);
  }
  return v;
}

export const dmlRules = [
  defineRule({
    id: 'dml-update-without-where',
    category: 'safety',
    severity: 'error',
    title: 'UPDATE has a WHERE clause',
    rationale: 'An UPDATE without WHERE changes every row of the table in one transaction: usually a slip, always a long lock and replica lag.',
    fix: 'Add the WHERE clause; to change every row, do it in batches by primary key ranges.',
    examples: [{ bad: "UPDATE users SET status = 'x'", good: "UPDATE users SET status = 'x' WHERE id = 1" }],
    check(stmt, ctx) {
      const d = dml(stmt, ctx);
      if (d?.verb === 'update' && !d.where) ctx.report({ pos: ctx.statement, message: `UPDATE of \`${d.table ?? '?'}\` has no WHERE: it changes every row.` });
    },
  }),
  defineRule({
    id: 'dml-delete-without-where',
    category: 'safety',
    severity: 'error',
    title: 'DELETE has a WHERE clause',
    rationale: 'A DELETE without WHERE empties the table row by row, holding locks and filling the binlog.',
    fix: 'Add the WHERE clause, and delete in batches (`LIMIT` by primary key range in a loop outside the migration).',
    examples: [{ bad: 'DELETE FROM sessions', good: 'DELETE FROM sessions WHERE expires_at < NOW()' }],
    check(stmt, ctx) {
      const d = dml(stmt, ctx);
      if (d?.verb === 'delete' && !d.where) ctx.report({ pos: ctx.statement, message: `DELETE from \`${d.table ?? '?'}\` has no WHERE: it deletes every row.` });
    },
  }),
  defineRule({
    id: 'dml-select-star',
    category: 'safety',
    severity: 'warning',
    title: 'No SELECT * (in queries, INSERT ... SELECT, CREATE ... SELECT)',
    rationale: 'SELECT * changes meaning when a column is added or reordered: an INSERT ... SELECT * then fails or writes values into the wrong columns.',
    fix: 'List the columns.',
    examples: [{ bad: 'INSERT INTO users_archive SELECT * FROM users WHERE id < 10', good: 'INSERT INTO users_archive (id, email) SELECT id, email FROM users WHERE id < 10' }],
    check(stmt, ctx) {
      const d = dml(stmt, ctx);
      if (d?.selectStar) ctx.report({ pos: ctx.statement, message: 'SELECT * in a migration: list the columns.' });
    },
  }),
  defineRule({
    id: 'dml-insert-column-list',
    category: 'safety',
    severity: 'warning',
    title: 'INSERT names its columns',
    rationale: 'INSERT without a column list depends on the column order: the next ADD COLUMN breaks it or shifts values into the wrong columns.',
    fix: 'Write `INSERT INTO t (a, b) VALUES ...`.',
    examples: [{ bad: "INSERT INTO settings VALUES (1, 'x')", good: "INSERT INTO settings (id, name) VALUES (1, 'x')" }],
    check(stmt, ctx) {
      const d = dml(stmt, ctx);
      if ((d?.verb === 'insert' || d?.verb === 'replace') && !d.columnList && !/\bSET\b/i.test(ctx.statement.text)) ctx.report({ pos: ctx.statement, message: `${d.verb.toUpperCase()} into \`${d.table ?? '?'}\` does not name its columns.` });
    },
  }),
  defineRule({
    id: 'dml-insert-select',
    category: 'safety',
    severity: 'warning',
    title: 'No INSERT ... SELECT in migrations',
    rationale: 'INSERT ... SELECT locks the rows it reads (shared next-key locks on the source under REPEATABLE READ) for the whole copy and is unsafe for statement-based replication.',
    fix: 'Copy in batches from a job, or use a tool (pt-archiver).',
    examples: [{ bad: 'INSERT INTO b (id) SELECT id FROM a', good: 'INSERT INTO b (id) VALUES (1)' }],
    check(stmt, ctx) {
      const d = dml(stmt, ctx);
      if (d?.insertSelect) ctx.report({ pos: ctx.statement, message: `INSERT ... SELECT into \`${d.table ?? '?'}\` from ${d.sources.map((s) => `\`${s}\``).join(', ') || 'a query'}.` });
    },
  }),
  defineRule({
    id: 'dml-no-limit',
    category: 'safety',
    severity: 'warning',
    title: 'No LIMIT in UPDATE / DELETE',
    rationale: 'UPDATE/DELETE ... LIMIT picks rows in an unspecified order: the result differs between source and replicas (unsafe for statement-based replication).',
    fix: 'Select the rows by a key range instead of LIMIT.',
    examples: [{ bad: 'DELETE FROM logs WHERE created_at < NOW() LIMIT 1000', good: 'DELETE FROM logs WHERE id BETWEEN 1 AND 1000' }],
    check(stmt, ctx) {
      const d = dml(stmt, ctx);
      if ((d?.verb === 'update' || d?.verb === 'delete') && d.limit) ctx.report({ pos: ctx.statement, message: `${d.verb.toUpperCase()} with LIMIT.` });
    },
  }),
  defineRule({
    id: 'dml-no-order-by',
    category: 'safety',
    severity: 'warning',
    title: 'No ORDER BY in UPDATE / DELETE',
    rationale: 'ORDER BY in UPDATE/DELETE forces a sort of the matched rows under lock; it only matters with LIMIT, which is itself unsafe.',
    fix: 'Select the rows by a key range.',
    examples: [{ bad: 'UPDATE jobs SET state = 1 WHERE state = 0 ORDER BY id', good: 'UPDATE jobs SET state = 1 WHERE state = 0 AND id < 1000' }],
    check(stmt, ctx) {
      const d = dml(stmt, ctx);
      if ((d?.verb === 'update' || d?.verb === 'delete') && d.orderBy) ctx.report({ pos: ctx.statement, message: `${d.verb.toUpperCase()} with ORDER BY.` });
    },
  }),
  defineRule({
    id: 'migration-no-commit',
    category: 'safety',
    severity: 'warning',
    title: 'No COMMIT / ROLLBACK inside a migration',
    rationale: 'The migration tool owns the transaction: a COMMIT in the file makes half of it permanent when a later statement fails; DDL commits implicitly anyway.',
    fix: 'Remove COMMIT/ROLLBACK; let the migration tool handle transactions.',
    examples: [{ bad: 'COMMIT', good: 'SELECT 1' }],
    check(stmt, ctx) {
      if (stmt.kind === 'other' && /^(commit|rollback)\b/.test(stmt.keyword) && !/\bto\b/i.test(ctx.statement.text)) ctx.report({ pos: ctx.statement, message: `${stmt.keyword.split(' ')[0]?.toUpperCase()} inside a migration.` });
    },
  }),
  defineRule({
    id: 'migration-mixed-ddl-dml',
    category: 'safety',
    severity: 'warning',
    title: 'Schema changes (DDL) and data changes (DML) are not mixed in one file',
    rationale: 'DDL commits implicitly, so a file mixing both cannot be rolled back as a unit; they also deploy at different speeds and need different reviews.',
    fix: 'Split the data change into its own migration (or a batched job).',
    examples: [{ bad: "ALTER TABLE t ADD COLUMN a int NULL;\nUPDATE t SET a = 1 WHERE id = 2", good: 'ALTER TABLE t ADD COLUMN a int NULL;\nCREATE INDEX idx_a ON t (a)' }],
    check(stmt, ctx) {
      const seen = memo(ctx, 'migration-mixed-ddl-dml', () => ({ ddl: 0, dml: 0, reported: false }));
      const isDml = stmt.kind === 'other' && DML.test(stmt.keyword.split(' ')[0] ?? '');
      const isDdl = DDL_KINDS.has(stmt.kind);
      if (isDml) seen.dml = seen.dml || ctx.statement.line;
      if (isDdl) seen.ddl = seen.ddl || ctx.statement.line;
      if (!seen.reported && seen.ddl && seen.dml && (isDml || isDdl)) {
        seen.reported = true;
        ctx.report({ pos: ctx.statement, message: `This file mixes DDL (line ${seen.ddl}) and data changes (line ${seen.dml}).` });
      }
    },
  }),
  defineRule({
    id: 'migration-transaction-size',
    category: 'safety',
    severity: 'warning',
    title: 'A transaction holds a bounded number of statements',
    rationale: 'A long explicit transaction holds every row lock until COMMIT and produces one huge binlog event group that replicas apply at once.',
    fix: 'Commit in smaller batches (outside the migration).',
    params: z.object({ max: z.number().int().min(1).default(20) }),
    examples: [{ bad: `START TRANSACTION;\n${"UPDATE t SET a = 1 WHERE id = 1;\n".repeat(21)}COMMIT`, good: 'START TRANSACTION;\nUPDATE t SET a = 1 WHERE id = 1;\nCOMMIT' }],
    check(stmt, ctx) {
      const tx = memo(ctx, 'migration-transaction-size', () => ({ open: false, count: 0 }));
      if (stmt.kind === 'other' && /^(start transaction|begin)$/.test(stmt.keyword)) Object.assign(tx, { open: true, count: 0 });
      else if (stmt.kind === 'other' && /^(commit|rollback)/.test(stmt.keyword)) Object.assign(tx, { open: false, count: 0 });
      else if (tx.open) {
        tx.count += 1;
        if (tx.count === ctx.params.max + 1) ctx.report({ pos: ctx.statement, message: `The transaction opened earlier now holds more than ${ctx.params.max} statements.` });
      }
    },
  }),
  defineRule({
    id: 'dml-affected-rows',
    category: 'context',
    severity: 'warning',
    title: 'A data change touches a bounded number of rows (estimated from the snapshot)',
    rationale: 'An UPDATE/DELETE over the whole of a large table runs for minutes under lock and lags replicas; the snapshot\'s row count tells how large.',
    fix: 'Batch the change by primary key ranges in a job, outside the migration.',
    params: z.object({ maxRows: z.number().int().min(0).default(100_000) }),
    examples: [{ bad: 'UPDATE orders SET note = NULL', good: 'UPDATE users SET legacy_code = NULL WHERE id = 1', live: true }],
    check(stmt, ctx) {
      const d = dml(stmt, ctx);
      if (!d || !ctx.live) return;
      const table = d.verb === 'update' || d.verb === 'delete' ? (d.where ? undefined : d.table) : d.insertSelect && !d.where ? d.sources[0] : undefined;
      const rows = table ? ctx.state.get({ name: table })?.rows : undefined;
      if (rows !== undefined && rows > ctx.params.maxRows) ctx.report({ pos: ctx.statement, message: `This ${d.verb.toUpperCase()} touches about ${rows.toLocaleString('en-US')} rows of \`${table}\` (snapshot estimate), over ${ctx.params.maxRows.toLocaleString('en-US')}.` });
    },
  }),
  defineRule({
    id: 'safety-backup-before-destructive',
    category: 'safety',
    severity: 'info',
    title: 'A destructive statement has a backup step before it',
    rationale: 'DROP, TRUNCATE, DELETE and DROP COLUMN lose data; a copy made earlier in the same migration (CREATE TABLE ... LIKE + INSERT ... SELECT) makes the change reversible.',
    fix: 'Copy what is removed first (`CREATE TABLE t_bak_20250101 LIKE t; INSERT INTO t_bak_20250101 SELECT ...`), or record where the backup is in a suppression reason.',
    examples: [{ bad: 'DROP TABLE legacy', good: 'CREATE TABLE legacy_bak LIKE legacy;\nINSERT INTO legacy_bak (id) SELECT id FROM legacy;\nDROP TABLE legacy' }],
    check(stmt, ctx) {
      const backedUp = memo(ctx, 'safety-backup-before-destructive', () => new Set<string>());
      // CREATE TABLE ... LIKE/AS SELECT and INSERT ... SELECT copy the tables they read.
      if ((stmt.kind === 'create_table' && stmt.copyOf) || (stmt.kind === 'other' && /^(insert|replace)/.test(stmt.keyword))) {
        for (const s of dmlShape(ctx.statement).sources) backedUp.add(s.toLowerCase());
        return;
      }
      const destroyed: string[] = [];
      if (stmt.kind === 'drop_table' && !stmt.temporary) destroyed.push(...stmt.tables.map((t) => t.name));
      if (stmt.kind === 'truncate') destroyed.push(stmt.table.name);
      if (stmt.kind === 'alter_table' && stmt.actions.some((a) => a.op === 'drop_column' || (a.op === 'partition' && /^(DROP|TRUNCATE)/.test(a.what)))) destroyed.push(stmt.table.name);
      const d = dml(stmt, ctx);
      if (d?.verb === 'delete' && d.table) destroyed.push(d.table);
      for (const t of destroyed) if (!backedUp.has(t.toLowerCase())) ctx.report({ pos: ctx.statement, message: `Data of \`${t}\` is removed with no backup step earlier in this file.` });
    },
  }),
];
