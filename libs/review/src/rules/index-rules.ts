import { z } from 'zod';
import type { IndexDef, StatementModel } from '../sql/model';
import { columnMap, describeColumns, isLeftPrefix, newIndexes, sameColumns, TEXT_BLOB_TYPES } from './helpers';
import { defineRule, type RuleContext } from './types';

/** The indexes the table has after this statement: known ones plus the new ones. */
function indexesAfter(stmt: StatementModel, ctx: RuleContext<unknown>): { fresh: IndexDef[]; existing: Array<{ name: string; kind: string; columns: Array<{ name: string; length?: number }>; source?: 'snapshot' | 'file' }> } {
  const fresh = newIndexes(stmt);
  if (stmt.kind === 'create_table') return { fresh, existing: [] };
  const table = stmt.kind === 'alter_table' || stmt.kind === 'create_index' ? ctx.state.get(stmt.table) : undefined;
  const dropped = new Set(stmt.kind === 'alter_table' ? stmt.actions.flatMap((a) => (a.op === 'drop_index' ? [a.name.toLowerCase()] : [])) : []);
  return { fresh, existing: (table?.indexes ?? []).filter((i) => !dropped.has(i.name.toLowerCase())) };
}

const label = (i: { name?: string; kind: string }): string => (i.kind === 'primary' ? 'PRIMARY KEY' : i.name ? `\`${i.name}\`` : 'an unnamed index');

export const indexRules = [
  defineRule({
    id: 'index-duplicate',
    category: 'index',
    severity: 'error',
    title: 'No duplicate indexes',
    rationale: 'Two indexes on the same columns double the write cost and the memory for no read benefit; MySQL 8 warns and keeps both.',
    fix: 'Drop one of them.',
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, KEY idx_a (a), KEY idx_a2 (a))', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, KEY idx_a (a))' }],
    check(stmt, ctx) {
      const { fresh, existing } = indexesAfter(stmt, ctx);
      fresh.forEach((i, n) => {
        if (i.kind === 'fulltext' || i.kind === 'spatial') return;
        const twin = [...existing, ...fresh.slice(0, n)].find((o) => o.kind !== 'fulltext' && o.kind !== 'spatial' && sameColumns(o.columns, i.columns));
        const where = !existing.includes(twin as never) ? '' : (twin as { source?: string }).source === 'snapshot' ? ' (already in the database)' : ' (created earlier in this file)';
        if (twin) ctx.report({ pos: i.pos, message: `${label(i)} on (${describeColumns(i.columns)}) duplicates ${label(twin)}${where}.` });
      });
    },
  }),
  defineRule({
    id: 'index-duplicate-column',
    category: 'index',
    severity: 'error',
    title: 'An index does not list the same column twice',
    rationale: 'MySQL rejects `INDEX (a, a)` ("Duplicate column name"); it is usually a copy-paste slip where another column was meant.',
    fix: 'List each column once; put the column that was meant in its place.',
    examples: [
      { bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, INDEX idx_a_a (a, a))', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, b int, INDEX idx_a_b (a, b))' },
      { bad: 'ALTER TABLE t ADD INDEX idx_a (a, `A`)', good: 'ALTER TABLE t ADD INDEX idx_a (a)' },
    ],
    check(stmt, ctx) {
      for (const i of newIndexes(stmt)) {
        const seen = new Set<string>();
        for (const c of i.columns) {
          if (c.expression) continue;
          const k = c.name.toLowerCase();
          if (seen.has(k)) ctx.report({ pos: i.pos, message: `${label(i)} lists column \`${c.name}\` twice; MySQL refuses it.` });
          seen.add(k);
        }
      }
    },
  }),
  defineRule({
    id: 'index-redundant-prefix',
    category: 'index',
    severity: 'warning',
    title: 'No redundant left-prefix indexes',
    rationale: 'An index on (a) is redundant when another on (a, b) exists: the longer one serves the same lookups. Unique and primary keys are kept because they enforce something.',
    fix: 'Drop the shorter, non-unique index.',
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, b int, KEY idx_a (a), KEY idx_a_b (a, b))', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, b int, KEY idx_a_b (a, b), KEY idx_b (b))' }],
    check(stmt, ctx) {
      const { fresh, existing } = indexesAfter(stmt, ctx);
      const all = [...existing, ...fresh];
      for (const i of fresh) {
        if (i.kind === 'fulltext' || i.kind === 'spatial') continue;
        if (i.kind === 'index') {
          const longer = all.find((o) => o !== i && o.kind !== 'fulltext' && o.kind !== 'spatial' && isLeftPrefix(i.columns, o.columns));
          if (longer) ctx.report({ pos: i.pos, message: `${label(i)} (${describeColumns(i.columns)}) is a left prefix of ${label(longer)} (${describeColumns(longer.columns)}).` });
        }
        for (const o of existing) {
          if (o.kind === 'index' && isLeftPrefix(o.columns, i.columns)) ctx.report({ pos: i.pos, message: `The existing index ${label(o)} (${describeColumns(o.columns)}) becomes redundant with ${label(i)}; drop it in this change.` });
        }
      }
    },
  }),
  defineRule({
    id: 'index-max-per-table',
    category: 'index',
    severity: 'warning',
    title: 'A bounded number of indexes per table',
    rationale: 'Every secondary index is written on every INSERT and on updates of its columns, and takes buffer pool memory.',
    fix: 'Check which indexes queries use (sys.schema_unused_indexes) and merge or drop the rest.',
    params: z.object({ max: z.number().int().min(1).default(8) }),
    examples: [{ bad: `CREATE TABLE t (id int NOT NULL PRIMARY KEY, ${Array.from({ length: 9 }, (_, i) => `c${i} int, KEY idx_c${i} (c${i})`).join(', ')})`, good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, KEY idx_a (a))' }],
    check(stmt, ctx) {
      const { fresh, existing } = indexesAfter(stmt, ctx);
      const count = [...existing, ...fresh].filter((i) => i.kind !== 'primary').length;
      if (fresh.length && count > ctx.params.max) ctx.report({ pos: fresh[0]?.pos ?? ctx.statement, message: `The table would have ${count} secondary indexes, over ${ctx.params.max}.` });
    },
  }),
  defineRule({
    id: 'index-max-columns',
    category: 'index',
    severity: 'warning',
    title: 'A bounded number of columns per index',
    rationale: 'Wide indexes are large and rarely used past their first columns; the primary key is appended to every secondary index anyway.',
    fix: 'Keep the leading, selective columns only.',
    params: z.object({ max: z.number().int().min(1).default(5) }),
    examples: [{ bad: 'ALTER TABLE t ADD INDEX idx_wide (a, b, c, d, e, f)', good: 'ALTER TABLE t ADD INDEX idx_a_b (a, b)' }],
    check(stmt, ctx) {
      for (const i of newIndexes(stmt)) if (i.columns.length > ctx.params.max) ctx.report({ pos: i.pos, message: `${label(i)} has ${i.columns.length} columns, over ${ctx.params.max}.` });
    },
  }),
  defineRule({
    id: 'index-text-blob-prefix',
    category: 'index',
    severity: 'error',
    title: 'TEXT/BLOB columns in an index have a prefix length',
    rationale: 'MySQL refuses a BLOB/TEXT key part without a length (error 1170).',
    fix: 'Index a prefix, e.g. `KEY idx_title (title(64))`, or index a generated hash column.',
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, body text, KEY idx_body (body))', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, body text, KEY idx_body (body(64)))' }],
    check(stmt, ctx) {
      const local = stmt.kind === 'create_table' ? columnMap(stmt.columns) : stmt.kind === 'alter_table' ? columnMap(stmt.actions.flatMap((a) => (a.op === 'add_column' || a.op === 'modify_column' || a.op === 'change_column' ? [a.column] : []))) : new Map();
      const known = stmt.kind === 'alter_table' || stmt.kind === 'create_index' ? ctx.state.get(stmt.table) : undefined;
      for (const i of newIndexes(stmt)) {
        if (i.kind === 'fulltext' || i.kind === 'spatial') continue;
        for (const c of i.columns) {
          const type = local.get(c.name.toLowerCase())?.type ?? known?.columns.get(c.name.toLowerCase())?.type;
          if (type && TEXT_BLOB_TYPES.has(type) && c.length === undefined) ctx.report({ pos: i.pos, message: `${label(i)} indexes ${type.toUpperCase()} column \`${c.name}\` without a prefix length.` });
        }
      }
    },
  }),
  defineRule({
    id: 'index-primary-key-type',
    category: 'index',
    severity: 'warning',
    title: 'Primary keys are short integers',
    rationale: 'Every secondary index stores the primary key; a long VARCHAR or a random UUID key makes all indexes bigger and inserts land on random pages.',
    fix: 'Use a BIGINT UNSIGNED AUTO_INCREMENT primary key and a UNIQUE key on the natural identifier (or a time-ordered UUID in BINARY(16)).',
    examples: [{ bad: 'CREATE TABLE t (code varchar(255) NOT NULL PRIMARY KEY)', good: 'CREATE TABLE t (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, code varchar(255) NOT NULL)' }],
    check(stmt, ctx) {
      if (stmt.kind !== 'create_table') return;
      const cols = columnMap(stmt.columns);
      const pk = stmt.indexes.find((i) => i.kind === 'primary');
      if (!pk) return;
      for (const k of pk.columns) {
        const c = cols.get(k.name.toLowerCase());
        if (c && (c.type === 'varchar' || c.type === 'char') && (c.length ?? 0) > 32) ctx.report({ pos: pk.pos, message: `Primary key column \`${c.name}\` is ${c.type.toUpperCase()}(${c.length}).` });
        if (c && (TEXT_BLOB_TYPES.has(c.type) || c.type === 'float' || c.type === 'double')) ctx.report({ pos: pk.pos, message: `Primary key column \`${c.name}\` is ${c.type.toUpperCase()}.` });
      }
    },
  }),
  defineRule({
    id: 'index-unique-nullable',
    category: 'index',
    severity: 'info',
    title: 'Columns of a UNIQUE key are NOT NULL',
    rationale: 'A UNIQUE key allows any number of NULL rows, which surprises people who expect uniqueness; gh-ost also needs a unique key without NULLs.',
    fix: 'Make the columns NOT NULL, or accept several NULL rows deliberately.',
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, email varchar(100), UNIQUE KEY uk_email (email))', good: "CREATE TABLE t (id int NOT NULL PRIMARY KEY, email varchar(100) NOT NULL DEFAULT '', UNIQUE KEY uk_email (email))" }],
    check(stmt, ctx) {
      if (stmt.kind !== 'create_table') return;
      const cols = columnMap(stmt.columns);
      for (const i of stmt.indexes) {
        if (i.kind !== 'unique') continue;
        const nullable = i.columns.filter((k) => cols.get(k.name.toLowerCase())?.notNull === false || (cols.has(k.name.toLowerCase()) && cols.get(k.name.toLowerCase())?.notNull === undefined));
        if (nullable.length) ctx.report({ pos: i.pos, message: `${label(i)} includes nullable ${nullable.map((k) => `\`${k.name}\``).join(', ')}.` });
      }
    },
  }),
];
