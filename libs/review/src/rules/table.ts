import { z } from 'zod';
import type { CreateTableStmt, StatementModel } from '../sql/model';
import { definedColumns, TEXT_BLOB_TYPES } from './helpers';
import { defineRule } from './types';

/** Only real CREATE TABLE statements with a column list. */
function created(stmt: StatementModel): CreateTableStmt | undefined {
  return stmt.kind === 'create_table' && !stmt.copyOf && !stmt.temporary ? stmt : undefined;
}

const names = (fallback: string[]) => z.array(z.string()).default(fallback);

export const tableRules = [
  defineRule({
    id: 'table-require-primary-key',
    category: 'table',
    severity: 'error',
    title: 'Every table has a primary key',
    rationale: 'InnoDB clusters rows by the primary key; without one it uses a hidden row id, replication of row events scans tables, and gh-ost/pt-osc cannot run.',
    fix: 'Add `id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY` or a natural primary key.',
    examples: [
      { bad: 'CREATE TABLE t (a int)', good: 'CREATE TABLE t (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY)' },
      { bad: 'ALTER TABLE t DROP PRIMARY KEY', good: 'ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, created_at)' },
      { bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int);\nALTER TABLE t DROP COLUMN id', good: 'CREATE TABLE t (id int NOT NULL);\nALTER TABLE t ADD PRIMARY KEY (id)' },
      { bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int);\nALTER TABLE t DROP INDEX `PRIMARY`', good: 'CREATE TABLE t (id int NOT NULL, a int);\nCREATE UNIQUE INDEX uk_a ON t (a);\nALTER TABLE t ADD PRIMARY KEY (id)' },
    ],
    table(t) {
      return t.indexes.some((i) => i.kind === 'primary') ? undefined : `Table \`${t.name}\` has no primary key after this migration.`;
    },
    check(stmt, ctx) {
      // A table the reviewer does not know (no snapshot, not created in the file): judge the operation.
      if (stmt.kind === 'alter_table' && !ctx.state.get(stmt.table) && stmt.actions.some((a) => a.op === 'drop_primary_key') && !stmt.actions.some((a) => a.op === 'add_index' && a.index.kind === 'primary')) {
        ctx.report({ pos: ctx.statement, message: `This drops the primary key of \`${stmt.table.name}\` without adding another.` });
      }
    },
  }),
  defineRule({
    id: 'table-engine-innodb',
    category: 'table',
    severity: 'error',
    title: 'Tables use InnoDB',
    rationale: 'Aurora MySQL supports only InnoDB for durable tables; MyISAM and MEMORY lose data on crash and lock whole tables.',
    fix: 'Use `ENGINE=InnoDB` (or leave ENGINE out).',
    params: z.object({ allowed: names(['innodb']) }),
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY) ENGINE=MyISAM', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY) ENGINE=InnoDB' }],
    check(stmt, ctx) {
      const opts = stmt.kind === 'create_table' ? [stmt.options] : stmt.kind === 'alter_table' ? stmt.actions.flatMap((a) => (a.op === 'table_options' ? [a.options] : [])) : [];
      const allowed = ctx.params.allowed.map((x) => x.toLowerCase());
      for (const o of opts) if (o.engine && !allowed.includes(o.engine.toLowerCase())) ctx.report({ pos: ctx.statement, message: `ENGINE=${o.engine} is not allowed (use ${ctx.params.allowed.join(', ')}).` });
    },
  }),
  defineRule({
    id: 'table-charset',
    category: 'table',
    severity: 'error',
    title: 'Tables use utf8mb4',
    rationale: 'utf8 (utf8mb3) and latin1 cannot store emoji and some CJK characters; mixed charsets make joins convert and skip indexes.',
    fix: 'Use `DEFAULT CHARSET=utf8mb4`.',
    params: z.object({ allowed: names(['utf8mb4']), requireExplicit: z.boolean().default(true) }),
    examples: [
      { bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY) DEFAULT CHARSET=latin1', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY) DEFAULT CHARSET=utf8mb4' },
      { bad: 'ALTER TABLE t CONVERT TO CHARACTER SET utf8', good: 'ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4' },
      { bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY)', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY);\nALTER TABLE t DEFAULT CHARSET=utf8mb4' },
    ],
    table(t, params) {
      if (t.charset || t.collation || !params.requireExplicit) return undefined;
      return { severity: 'warning', message: `Table \`${t.name}\` does not state its charset; it gets the server's default.`, fix: 'Add `DEFAULT CHARSET=utf8mb4 COLLATE=<allowed collation>`.' };
    },
    check(stmt, ctx) {
      const allowed = ctx.params.allowed.map((x) => x.toLowerCase());
      const t = created(stmt);
      if (t?.options.charset && !allowed.includes(t.options.charset)) ctx.report({ pos: ctx.statement, message: `Table charset ${t.options.charset} is not allowed (use ${ctx.params.allowed.join(', ')}).` });
      if (stmt.kind === 'alter_table') {
        for (const a of stmt.actions) {
          const cs = a.op === 'convert_charset' ? a.charset : a.op === 'table_options' ? a.options.charset : undefined;
          if (cs && !allowed.includes(cs)) ctx.report({ pos: a.pos, message: `Charset ${cs} is not allowed (use ${ctx.params.allowed.join(', ')}).` });
        }
      }
      for (const c of definedColumns(stmt)) {
        if (c.charset && !allowed.includes(c.charset)) ctx.report({ pos: c.pos, message: `Column \`${c.name}\` uses charset ${c.charset}, not ${ctx.params.allowed.join(', ')}.` });
      }
    },
  }),
  defineRule({
    id: 'table-collation',
    category: 'table',
    severity: 'warning',
    title: 'Tables and columns use an allowed collation',
    rationale: 'Comparisons between different collations fail ("Illegal mix of collations") or skip indexes; one collation keeps joins and sorting consistent.',
    fix: 'Use one of the allowed collations, e.g. `COLLATE=utf8mb4_0900_ai_ci`.',
    params: z.object({ allowed: names(['utf8mb4_0900_ai_ci', 'utf8mb4_bin', 'utf8mb4_general_ci', 'utf8mb4_unicode_ci', 'utf8mb4_ja_0900_as_cs']) }),
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_croatian_ci', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin' }],
    check(stmt, ctx) {
      const allowed = ctx.params.allowed.map((x) => x.toLowerCase());
      const bad = (c: string | undefined): c is string => !!c && !allowed.includes(c.toLowerCase());
      if (stmt.kind === 'create_table' && bad(stmt.options.collation)) ctx.report({ pos: ctx.statement, message: `Collation ${stmt.options.collation} is not allowed.` });
      if (stmt.kind === 'alter_table') {
        for (const a of stmt.actions) {
          const coll = a.op === 'convert_charset' ? a.collation : a.op === 'table_options' ? a.options.collation : undefined;
          if (bad(coll)) ctx.report({ pos: a.pos, message: `Collation ${coll} is not allowed.` });
        }
      }
      for (const c of definedColumns(stmt)) if (bad(c.collation)) ctx.report({ pos: c.pos, message: `Column \`${c.name}\` uses collation ${c.collation}, which is not allowed.` });
    },
  }),
  defineRule({
    id: 'table-require-comment',
    category: 'table',
    severity: 'warning',
    title: 'Tables have a comment',
    rationale: 'The comment is the documentation the doc-crawler publishes; a table nobody can explain is hard to change or delete later.',
    fix: "Add `COMMENT='what one row means'`.",
    examples: [
      { bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY)', good: "CREATE TABLE t (id int NOT NULL PRIMARY KEY) COMMENT='注文'" },
      { bad: "CREATE TABLE t (id int NOT NULL PRIMARY KEY) COMMENT='x';\nALTER TABLE t COMMENT=''", good: "CREATE TABLE t (id int NOT NULL PRIMARY KEY);\nALTER TABLE t COMMENT='注文'" },
    ],
    table(t) {
      return t.comment?.trim() ? undefined : `Table \`${t.name}\` has no comment.`;
    },
  }),
  defineRule({
    id: 'table-no-foreign-key',
    category: 'table',
    severity: 'warning',
    title: 'No foreign key constraints (team guideline)',
    rationale: 'Foreign keys serialize writes through parent-row locks, block gh-ost and make online schema changes and sharding harder; the application enforces the relation.',
    fix: 'Drop the constraint and keep an index on the referencing column; enforce the relation in the application.',
    examples: [{ bad: 'CREATE TABLE o (id int NOT NULL PRIMARY KEY, user_id int, KEY idx_user_id (user_id), CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES u (id))', good: 'CREATE TABLE o (id int NOT NULL PRIMARY KEY, user_id int, KEY idx_user_id (user_id))' }],
    check(stmt, ctx) {
      if (stmt.kind === 'create_table') {
        for (const fk of stmt.foreignKeys) ctx.report({ pos: fk.pos, message: `Foreign key ${fk.name ? `\`${fk.name}\` ` : ''}to \`${fk.refTable.name}\`.` });
        for (const c of stmt.columns) if (c.inlineReference) ctx.report({ pos: c.pos, message: `Column \`${c.name}\` REFERENCES \`${c.inlineReference.table.name}\`.` });
      }
      if (stmt.kind === 'alter_table') for (const a of stmt.actions) if (a.op === 'add_foreign_key') ctx.report({ pos: a.pos, message: `Foreign key to \`${a.fk.refTable.name}\`.` });
    },
  }),
  defineRule({
    id: 'table-foreign-key-indexed',
    category: 'table',
    severity: 'warning',
    title: 'Foreign key columns have an index of their own',
    rationale: 'Without an index on the child columns, deleting or updating a parent row scans the child table under lock; MySQL silently creates one, with a name nobody chose.',
    fix: 'Add `KEY idx_<column> (<fk columns>)` in the same statement.',
    examples: [{ bad: 'CREATE TABLE o (id int NOT NULL PRIMARY KEY, user_id int, CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES u (id))', good: 'CREATE TABLE o (id int NOT NULL PRIMARY KEY, user_id int, KEY idx_user_id (user_id), CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES u (id))' }],
    check(stmt, ctx) {
      if (stmt.kind !== 'create_table' && stmt.kind !== 'alter_table') return;
      const fks = stmt.kind === 'create_table' ? stmt.foreignKeys : stmt.actions.flatMap((a) => (a.op === 'add_foreign_key' ? [a.fk] : []));
      if (!fks.length) return;
      const indexes = [...(stmt.kind === 'create_table' ? stmt.indexes : stmt.actions.flatMap((a) => (a.op === 'add_index' ? [a.index.columns] : [])).map((columns) => ({ columns }))), ...(ctx.state.get(stmt.table)?.indexes ?? [])];
      for (const fk of fks) {
        const covered = indexes.some((i) => fk.columns.every((c, n) => i.columns[n]?.name.toLowerCase() === c.toLowerCase()));
        if (!covered) ctx.report({ pos: fk.pos, message: `No index starts with the foreign key columns (${fk.columns.join(', ')}).` });
      }
    },
  }),
  defineRule({
    id: 'table-partitioning',
    category: 'table',
    severity: 'warning',
    title: 'Partitioning is used deliberately: allowed types and a bounded number of partitions',
    rationale: 'Every partition is a separate InnoDB tablespace: many partitions slow opening tables and DDL; partitioned tables cannot use INSTANT for VIRTUAL columns, foreign keys or FULLTEXT indexes.',
    fix: 'Use RANGE/LIST partitioning for data lifecycle (dropping old partitions), keep the count small, or drop partitioning.',
    params: z.object({ allowed: z.boolean().default(true), types: names(['RANGE', 'LIST']), maxPartitions: z.number().int().min(1).default(128) }),
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY) PARTITION BY HASH(id) PARTITIONS 1024', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100), PARTITION p1 VALUES LESS THAN MAXVALUE)' }],
    check(stmt, ctx) {
      if (stmt.kind !== 'create_table' || !stmt.partition) return;
      const p = stmt.partition;
      if (!ctx.params.allowed) return ctx.report({ pos: p.pos, message: 'Partitioned tables are not allowed by the guideline.' });
      const types = ctx.params.types.map((t) => t.toUpperCase());
      if (!types.includes(p.type.toUpperCase())) ctx.report({ pos: p.pos, message: `PARTITION BY ${p.type} is not among the allowed types (${types.join(', ')}).` });
      if (p.count > ctx.params.maxPartitions) ctx.report({ pos: p.pos, message: `${p.count} partitions, over the limit of ${ctx.params.maxPartitions}.` });
    },
  }),
  defineRule({
    id: 'table-max-columns',
    category: 'table',
    severity: 'warning',
    title: 'Tables have a bounded number of columns',
    rationale: 'Very wide tables usually mix several concepts; rows get large, fewer fit a page and every ALTER costs more.',
    fix: 'Split rarely used or 1:1 optional attributes into another table.',
    params: z.object({ max: z.number().int().min(1).default(60) }),
    examples: [{ bad: `CREATE TABLE t (id int NOT NULL PRIMARY KEY, ${Array.from({ length: 60 }, (_, i) => `c${i} int`).join(', ')})`, good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int)' }],
    table(t, params) {
      return t.columns.size > params.max ? `Table \`${t.name}\` has ${t.columns.size} columns, over ${params.max}.` : undefined;
    },
  }),
  defineRule({
    id: 'table-text-blob-count',
    category: 'table',
    severity: 'warning',
    title: 'Few TEXT/BLOB/JSON columns per table',
    rationale: 'Large off-page values make rows expensive to read and sort (temporary tables go to disk); they belong in a separate table or object storage.',
    fix: 'Move large values to a side table keyed by the primary key, or to S3 with a reference.',
    params: z.object({ max: z.number().int().min(0).default(2) }),
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a text, b text, c blob)', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a text)' }],
    table(t, params) {
      const big = [...t.columns.values()].filter((c) => TEXT_BLOB_TYPES.has(c.type) || c.type === 'json');
      return big.length > params.max ? `\`${t.name}\` has ${big.length} TEXT/BLOB/JSON columns (${big.map((c) => c.name).join(', ')}), over ${params.max}.` : undefined;
    },
  }),
  defineRule({
    id: 'table-require-audit-columns',
    category: 'table',
    severity: 'warning',
    title: 'Tables have the audit columns (created_at, updated_at)',
    rationale: 'Knowing when a row was created and last changed is needed for incident analysis, incremental exports and data retention.',
    fix: 'Add `created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP` and `updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP`.',
    params: z.object({ columns: names(['created_at', 'updated_at']) }),
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY)', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)' }],
    table(t, params) {
      const missing = params.columns.filter((c) => !t.columns.has(c.toLowerCase()));
      return missing.length ? `Table \`${t.name}\` lacks ${missing.map((m) => `\`${m}\``).join(', ')}.` : undefined;
    },
  }),
  defineRule({
    id: 'table-no-create-select',
    category: 'table',
    severity: 'warning',
    title: 'No CREATE TABLE ... SELECT',
    rationale: 'It copies data but no indexes or primary key, infers column types, holds locks on the source while it runs and is unsafe with GTID replication before MySQL 8.0.21.',
    fix: 'CREATE TABLE with an explicit definition, then INSERT ... SELECT in batches.',
    examples: [{ bad: 'CREATE TABLE t2 AS SELECT * FROM t', good: 'CREATE TABLE t2 LIKE t' }],
    check(stmt, ctx) {
      if (stmt.kind === 'create_table' && stmt.copyOf === 'select') ctx.report({ pos: ctx.statement, message: `\`${stmt.table.name}\` is created from a SELECT.` });
    },
  }),
  defineRule({
    id: 'table-row-format',
    category: 'table',
    severity: 'info',
    title: 'No ROW_FORMAT=COMPRESSED or REDUNDANT',
    rationale: 'COMPRESSED tables cannot use INSTANT DDL and cost CPU on every page; REDUNDANT is the legacy format. DYNAMIC (the default) suits almost everything.',
    fix: 'Leave ROW_FORMAT out (DYNAMIC).',
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY) ROW_FORMAT=COMPRESSED', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY) ROW_FORMAT=DYNAMIC' }],
    check(stmt, ctx) {
      const opts = stmt.kind === 'create_table' ? [stmt.options] : stmt.kind === 'alter_table' ? stmt.actions.flatMap((a) => (a.op === 'table_options' ? [a.options] : [])) : [];
      for (const o of opts) if (o.rowFormat && /COMPRESSED|REDUNDANT/.test(o.rowFormat)) ctx.report({ pos: ctx.statement, message: `ROW_FORMAT=${o.rowFormat}.` });
    },
  }),
];
