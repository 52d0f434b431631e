import { z } from 'zod';
import { INTEGER_TYPES } from './helpers';
import { defineRule } from './types';

const INT_RANK: Record<string, number> = { tinyint: 1, smallint: 2, mediumint: 3, int: 4, integer: 4, bigint: 8 };
const TEXT_RANK: Record<string, number> = { tinytext: 1, text: 2, mediumtext: 3, longtext: 4, tinyblob: 1, blob: 2, mediumblob: 3, longblob: 4 };

export const safetyRules = [
  defineRule({
    id: 'safety-drop-table',
    category: 'safety',
    severity: 'error',
    title: 'DROP TABLE is flagged',
    rationale: 'Dropping a table loses its data for good unless a backup is restored; on a large table it also stalls the server while the file is removed.',
    fix: 'Rename the table to a dated name first (`RENAME TABLE t TO _t_del_20250101`), drop it weeks later after checking nothing reads it.',
    examples: [{ bad: 'DROP TABLE users', good: 'RENAME TABLE users TO users_archive' }],
    check(stmt, ctx) {
      if (stmt.kind === 'drop_table' && !stmt.temporary) ctx.report({ pos: ctx.statement, message: `Drops ${stmt.tables.map((t) => `\`${t.name}\``).join(', ')}.` });
    },
  }),
  defineRule({
    id: 'safety-drop-database',
    category: 'safety',
    severity: 'error',
    title: 'DROP DATABASE / SCHEMA is flagged',
    rationale: 'It removes every table of the schema at once.',
    fix: 'Do it by hand, after a backup, outside migrations.',
    examples: [{ bad: 'DROP DATABASE shop', good: 'CREATE DATABASE shop' }],
    check(stmt, ctx) {
      if (stmt.kind === 'other' && /^drop (database|schema)$/.test(stmt.keyword)) ctx.report({ pos: ctx.statement, message: 'Drops a whole database.' });
    },
  }),
  defineRule({
    id: 'safety-truncate',
    category: 'safety',
    severity: 'error',
    title: 'TRUNCATE TABLE is flagged',
    rationale: 'TRUNCATE deletes every row without a WHERE, cannot be rolled back and is not logged row by row.',
    fix: 'Delete in batches with a WHERE clause, or confirm the table holds only disposable data and suppress this finding with the reason.',
    examples: [
      { bad: 'TRUNCATE TABLE orders', good: 'DELETE FROM orders WHERE created_at < NOW() - INTERVAL 1 YEAR LIMIT 1000' },
      { bad: 'ALTER TABLE orders TRUNCATE PARTITION p2019', good: 'ALTER TABLE orders ANALYZE PARTITION p2019' },
    ],
    check(stmt, ctx) {
      if (stmt.kind === 'truncate') ctx.report({ pos: ctx.statement, message: `Truncates \`${stmt.table.name}\`.` });
      if (stmt.kind === 'alter_table') {
        for (const a of stmt.actions) if (a.op === 'partition' && /^TRUNCATE/.test(a.what)) ctx.report({ pos: a.pos, message: `Empties partitions of \`${stmt.table.name}\`: ${a.text}.` });
      }
    },
  }),
  defineRule({
    id: 'safety-drop-partition',
    category: 'safety',
    severity: 'error',
    title: 'DROP PARTITION is flagged (it deletes the rows of the partition)',
    rationale: 'Dropping a partition deletes every row in it at once, without a WHERE, and cannot be rolled back; it is right for expiring old data but fatal on the wrong partition name.',
    fix: 'Check the partition bounds (information_schema.PARTITIONS) and that a backup exists, then suppress with the reason; to keep the rows use EXCHANGE PARTITION.',
    examples: [{ bad: 'ALTER TABLE logs DROP PARTITION p2019', good: 'ALTER TABLE logs ADD PARTITION (PARTITION p2030 VALUES LESS THAN (2031))' }],
    check(stmt, ctx) {
      if (stmt.kind !== 'alter_table') return;
      for (const a of stmt.actions) if (a.op === 'partition' && /^DROP/.test(a.what)) ctx.report({ pos: a.pos, message: `Deletes the rows of partitions of \`${stmt.table.name}\`: ${a.text}.` });
    },
  }),
  defineRule({
    id: 'safety-drop-column',
    category: 'safety',
    severity: 'warning',
    title: 'DROP COLUMN is flagged',
    rationale: 'The data in the column is lost, and application code still selecting it fails at once. Deploy code that no longer reads it first.',
    fix: 'Stop reading/writing the column in a release, then drop it; keep a backup of the values if they may be needed.',
    examples: [{ bad: 'ALTER TABLE t DROP COLUMN legacy_flag', good: 'ALTER TABLE t ADD COLUMN new_flag tinyint(1) NOT NULL DEFAULT 0' }],
    check(stmt, ctx) {
      if (stmt.kind !== 'alter_table') return;
      for (const a of stmt.actions) if (a.op === 'drop_column') ctx.report({ pos: a.pos, message: `Drops column \`${a.name}\` of \`${stmt.table.name}\`.` });
    },
  }),
  defineRule({
    id: 'safety-drop-index',
    category: 'safety',
    severity: 'info',
    title: 'DROP INDEX is flagged',
    rationale: 'A query that used the index becomes a full scan at once; on MySQL 8 an index can be made INVISIBLE first to test that safely.',
    fix: '`ALTER TABLE t ALTER INDEX idx INVISIBLE`, watch the slow log, then drop it.',
    examples: [{ bad: 'DROP INDEX idx_a ON t', good: 'ALTER TABLE t ALTER INDEX idx_a INVISIBLE' }],
    check(stmt, ctx) {
      if (stmt.kind === 'drop_index') ctx.report({ pos: ctx.statement, message: `Drops index \`${stmt.name}\` of \`${stmt.table.name}\`.` });
      if (stmt.kind === 'alter_table') for (const a of stmt.actions) if (a.op === 'drop_index') ctx.report({ pos: a.pos, message: `Drops index \`${a.name}\` of \`${stmt.table.name}\`.` });
    },
  }),
  defineRule({
    id: 'safety-rename',
    category: 'safety',
    severity: 'warning',
    title: 'Renaming tables and columns is flagged',
    rationale: 'Code deployed before the rename breaks the moment it runs; a rename needs the application to accept both names during the rollout.',
    fix: 'Add the new column, write to both, backfill, switch reads, then drop the old one; or rename in a maintenance window with the code change.',
    examples: [
      { bad: 'ALTER TABLE t RENAME COLUMN a TO b', good: 'ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 0' },
      { bad: 'RENAME TABLE a TO b', good: 'CREATE TABLE b LIKE a' },
    ],
    check(stmt, ctx) {
      if (stmt.kind === 'rename_table') ctx.report({ pos: ctx.statement, message: `Renames ${stmt.pairs.map((p) => `\`${p.from.name}\` to \`${p.to.name}\``).join(', ')}.` });
      if (stmt.kind !== 'alter_table') return;
      for (const a of stmt.actions) {
        if (a.op === 'rename_column') ctx.report({ pos: a.pos, message: `Renames column \`${a.from}\` to \`${a.to}\`.` });
        if (a.op === 'change_column' && a.from.toLowerCase() !== a.column.name.toLowerCase()) ctx.report({ pos: a.pos, message: `CHANGE renames column \`${a.from}\` to \`${a.column.name}\`.` });
        if (a.op === 'rename_table') ctx.report({ pos: a.pos, message: `Renames table \`${stmt.table.name}\` to \`${a.to.name}\`.` });
      }
    },
  }),
  defineRule({
    id: 'safety-type-narrowing',
    category: 'safety',
    severity: 'error',
    title: 'Column types are not narrowed',
    rationale: 'A smaller type (BIGINT -> INT, VARCHAR(255) -> VARCHAR(50), TEXT -> VARCHAR) truncates or rejects existing values and always copies the table.',
    fix: 'Check MAX(LENGTH(col)) / MAX(col) first; widen instead, or migrate through a new column.',
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(255) NOT NULL); ALTER TABLE t MODIFY name varchar(50) NOT NULL', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(50) NOT NULL); ALTER TABLE t MODIFY name varchar(255) NOT NULL' }],
    check(stmt, ctx) {
      if (stmt.kind !== 'alter_table') return;
      const table = ctx.state.get(stmt.table);
      for (const a of stmt.actions) {
        if (a.op !== 'modify_column' && a.op !== 'change_column') continue;
        const oldName = a.op === 'change_column' ? a.from : a.column.name;
        const old = table?.columns.get(oldName.toLowerCase());
        if (!old) continue;
        const n = a.column;
        let why: string | undefined;
        if (INTEGER_TYPES.has(old.type) && INTEGER_TYPES.has(n.type) && (INT_RANK[n.type] ?? 0) < (INT_RANK[old.type] ?? 0)) why = `${old.type.toUpperCase()} -> ${n.type.toUpperCase()}`;
        else if (INTEGER_TYPES.has(old.type) && INTEGER_TYPES.has(n.type) && old.unsigned !== n.unsigned) why = `${old.unsigned ? 'UNSIGNED -> signed' : 'signed -> UNSIGNED'}`;
        else if (old.type === n.type && (old.type === 'varchar' || old.type === 'char' || old.type === 'varbinary') && (n.length ?? 0) < (old.length ?? 0)) why = `${old.type.toUpperCase()}(${old.length}) -> ${n.type.toUpperCase()}(${n.length})`;
        else if (old.type === 'decimal' && n.type === 'decimal' && ((n.length ?? 10) < (old.length ?? 10) || (n.scale ?? 0) < (old.scale ?? 0))) why = `DECIMAL(${old.length},${old.scale ?? 0}) -> DECIMAL(${n.length},${n.scale ?? 0})`;
        else if (TEXT_RANK[old.type] && (n.type === 'varchar' || n.type === 'char' || (TEXT_RANK[n.type] ?? 9) < (TEXT_RANK[old.type] ?? 0))) why = `${old.type.toUpperCase()} -> ${n.type.toUpperCase()}`;
        else if ((old.type === 'datetime' || old.type === 'timestamp' || old.type === 'date') && n.type !== old.type && !(old.type === 'timestamp' && n.type === 'datetime') && !(old.type === 'date' && n.type === 'datetime')) why = `${old.type.toUpperCase()} -> ${n.type.toUpperCase()}`;
        if (why) ctx.report({ pos: a.pos, message: `Narrows \`${oldName}\`: ${why}; existing values may be truncated or rejected.` });
      }
    },
  }),
  defineRule({
    id: 'safety-non-ddl-statement',
    category: 'safety',
    severity: 'info',
    title: 'Data changes (INSERT/UPDATE/DELETE) are kept out of schema migrations',
    rationale: 'A large UPDATE in a migration runs in one transaction, holds locks and lags replicas; schema and data changes roll back differently.',
    fix: 'Run data changes as a separate, batched job.',
    params: z.object({ keywords: z.array(z.string()).default(['insert', 'update', 'delete', 'replace', 'load']) }),
    examples: [{ bad: "UPDATE users SET status = 'x'", good: 'ALTER TABLE users ADD COLUMN status tinyint NOT NULL DEFAULT 0' }],
    check(stmt, ctx) {
      if (stmt.kind !== 'other') return;
      const first = stmt.keyword.split(' ')[0] ?? '';
      if (ctx.params.keywords.includes(first)) ctx.report({ pos: ctx.statement, message: `${first.toUpperCase()} in a schema migration.` });
    },
  }),
  defineRule({
    id: 'safety-lock-tables',
    category: 'safety',
    severity: 'warning',
    title: 'No LOCK TABLES / FLUSH TABLES in migrations',
    rationale: 'Explicit table locks block every reader and writer until released and interact badly with online DDL and replication.',
    fix: 'Rely on the DDL\'s own locking (ALGORITHM/LOCK clauses) or an online schema change tool.',
    examples: [{ bad: 'LOCK TABLES t WRITE', good: 'ALTER TABLE t ADD COLUMN a int NULL, ALGORITHM=INSTANT' }],
    check(stmt, ctx) {
      if (stmt.kind === 'other' && /^(lock tables|lock table|flush tables)$/.test(stmt.keyword)) ctx.report({ pos: ctx.statement, message: `${stmt.keyword.toUpperCase()} in a migration.` });
    },
  }),
];
