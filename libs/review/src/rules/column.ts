import { z } from 'zod';
import type { ColumnDef } from '../sql/model';
import { definedColumns, INTEGER_TYPES, newColumns, TEXT_BLOB_TYPES, TIME_TYPES } from './helpers';
import { defineRule } from './types';

const names = (fallback: string[]) => z.array(z.string()).default(fallback);

/** Columns whose NOT NULL/DEFAULT is decided by MySQL, not by the author. */
function exemptFromDefault(c: ColumnDef): boolean {
  return c.autoIncrement || c.inlinePrimaryKey || !!c.generated || TEXT_BLOB_TYPES.has(c.type) || c.type === 'json' || ['geometry', 'point', 'linestring', 'polygon'].includes(c.type);
}

export const columnRules = [
  defineRule({
    id: 'column-require-comment',
    category: 'column',
    severity: 'warning',
    title: 'Columns have a comment',
    rationale: 'Comments are the column documentation the doc-crawler publishes: units, states an enum-like value takes, where the data comes from.',
    fix: "Add `COMMENT '...'` to the column.",
    params: z.object({ exempt: names(['id', 'created_at', 'updated_at']) }),
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN status tinyint NOT NULL DEFAULT 0', good: "ALTER TABLE t ADD COLUMN status tinyint NOT NULL DEFAULT 0 COMMENT '0=draft 1=sent'" }],
    check(stmt, ctx) {
      const exempt = new Set(ctx.params.exempt.map((x) => x.toLowerCase()));
      for (const c of definedColumns(stmt)) if (!c.comment?.trim() && !exempt.has(c.name.toLowerCase())) ctx.report({ pos: c.pos, message: `Column \`${c.name}\` has no comment.` });
    },
  }),
  defineRule({
    id: 'column-modify-drops-attributes',
    category: 'column',
    severity: 'warning',
    title: 'MODIFY/CHANGE repeat every attribute the column keeps (comment, NOT NULL, DEFAULT, ...)',
    rationale: 'MODIFY and CHANGE replace the whole column definition: `MODIFY b INT` on a `b INT NOT NULL DEFAULT 0 COMMENT \'...\'` silently makes it NULL, drops its default and its comment.',
    fix: 'Copy the current definition (SHOW CREATE TABLE) and change only what is meant; to change only the default use `ALTER COLUMN b SET DEFAULT ...`.',
    examples: [
      { bad: "CREATE TABLE t (id int NOT NULL PRIMARY KEY, b int NOT NULL DEFAULT 0 COMMENT 'qty');\nALTER TABLE t MODIFY b bigint", good: "CREATE TABLE t (id int NOT NULL PRIMARY KEY, b int NOT NULL DEFAULT 0 COMMENT 'qty');\nALTER TABLE t MODIFY b bigint NOT NULL DEFAULT 0 COMMENT 'qty'" },
      { bad: 'ALTER TABLE t MODIFY b int', good: "ALTER TABLE t MODIFY b int NOT NULL DEFAULT 0 COMMENT 'qty'" },
    ],
    check(stmt, ctx) {
      if (stmt.kind !== 'alter_table') return;
      const table = ctx.state.get(stmt.table);
      for (const a of stmt.actions) {
        if (a.op !== 'modify_column' && a.op !== 'change_column') continue;
        const oldName = a.op === 'change_column' ? a.from : a.column.name;
        const old = table?.columns.get(oldName.toLowerCase());
        const n = a.column;
        const verb = a.op === 'modify_column' ? 'MODIFY' : 'CHANGE';
        if (!old) {
          const missing = [...(n.comment === undefined ? ['COMMENT'] : []), ...(n.notNull === undefined ? ['NOT NULL'] : []), ...(n.default === undefined && !n.autoIncrement ? ['DEFAULT'] : [])];
          if (missing.length) ctx.report({ pos: a.pos, severity: 'info', message: `${verb} replaces the whole definition of \`${oldName}\`: its current ${missing.join(', ')} (if any) is dropped unless repeated here.` });
          continue;
        }
        const lost: string[] = [];
        if (old.comment?.trim() && !n.comment?.trim()) lost.push(`its COMMENT '${old.comment}'`);
        if (old.notNull && !n.notNull && !n.inlinePrimaryKey) lost.push('NOT NULL (it becomes nullable)');
        if (old.default && old.default.kind !== 'null' && !n.default && !n.autoIncrement) lost.push(`its DEFAULT ${old.default.kind === 'literal' ? `'${old.default.text}'` : old.default.text}`);
        if (old.autoIncrement && !n.autoIncrement) lost.push('AUTO_INCREMENT');
        if (old.onUpdateCurrentTimestamp && !n.onUpdateCurrentTimestamp) lost.push('ON UPDATE CURRENT_TIMESTAMP');
        if (old.unsigned && !n.unsigned && INTEGER_TYPES.has(n.type)) lost.push('UNSIGNED');
        if (lost.length) ctx.report({ pos: a.pos, message: `${verb} \`${oldName}\` drops ${lost.join(', ')}.` });
      }
    },
  }),
  defineRule({
    id: 'column-not-null',
    category: 'column',
    severity: 'warning',
    title: 'Columns are NOT NULL unless NULL means something',
    rationale: 'NULL makes comparisons three-valued (`x <> 1` skips NULL rows), costs a bit per row and complicates indexes; most columns have a natural empty value.',
    fix: 'Declare `NOT NULL DEFAULT <value>`, or list the column as exempt (e.g. `deleted_at`).',
    params: z.object({ exempt: names(['deleted_at']) }),
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN name varchar(50)', good: "ALTER TABLE t ADD COLUMN name varchar(50) NOT NULL DEFAULT ''" }],
    check(stmt, ctx) {
      const exempt = new Set(ctx.params.exempt.map((x) => x.toLowerCase()));
      for (const c of definedColumns(stmt)) {
        if (c.notNull || c.inlinePrimaryKey || c.generated || exempt.has(c.name.toLowerCase())) continue;
        if (c.notNull === false) ctx.report({ pos: c.pos, severity: 'info', message: `Column \`${c.name}\` is declared NULL; make sure NULL means something here.` });
        else ctx.report({ pos: c.pos, message: `Column \`${c.name}\` allows NULL (nothing says NOT NULL).` });
      }
    },
  }),
  defineRule({
    id: 'column-not-null-default',
    category: 'column',
    severity: 'warning',
    title: 'NOT NULL columns have a DEFAULT',
    rationale: 'Without a default, every INSERT must name the column, and adding one to an existing table fails or fills implicit zero values depending on sql_mode.',
    fix: "Add `DEFAULT <value>` (e.g. `DEFAULT ''`, `DEFAULT 0`, `DEFAULT CURRENT_TIMESTAMP`).",
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN qty int NOT NULL', good: 'ALTER TABLE t ADD COLUMN qty int NOT NULL DEFAULT 0' }],
    check(stmt, ctx) {
      const pk = new Set(stmt.kind === 'create_table' ? stmt.indexes.filter((i) => i.kind === 'primary').flatMap((i) => i.columns.map((c) => c.name.toLowerCase())) : []);
      for (const c of definedColumns(stmt)) {
        if (c.notNull && !c.default && !exemptFromDefault(c) && !pk.has(c.name.toLowerCase())) ctx.report({ pos: c.pos, message: `NOT NULL column \`${c.name}\` has no DEFAULT.` });
      }
    },
  }),
  defineRule({
    id: 'column-not-null-default-null',
    category: 'column',
    severity: 'error',
    title: 'No NOT NULL column with DEFAULT NULL',
    rationale: 'The definition contradicts itself; MySQL rejects it ("Invalid default value").',
    fix: 'Either allow NULL or give a non-NULL default.',
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT NULL', good: 'ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT 0' }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if (c.notNull && c.default?.kind === 'null') ctx.report({ pos: c.pos, message: `Column \`${c.name}\` is NOT NULL with DEFAULT NULL.` });
    },
  }),
  defineRule({
    id: 'column-money-type',
    category: 'column',
    severity: 'error',
    title: 'No FLOAT/DOUBLE for money and other exact values',
    rationale: 'FLOAT and DOUBLE are binary approximations: 0.1 + 0.2 is not 0.3, and sums of prices drift by cents.',
    fix: 'Use `DECIMAL(p,s)` (e.g. `DECIMAL(15,2)`), or an integer of the smallest unit (cents, yen).',
    params: z.object({ moneyNames: z.string().default('(price|amount|cost|fee|balance|total|tax|salary|payment|money|charge|discount)') }),
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN price double NOT NULL DEFAULT 0', good: 'ALTER TABLE t ADD COLUMN price decimal(15,2) NOT NULL DEFAULT 0' }],
    check(stmt, ctx) {
      const money = new RegExp(ctx.params.moneyNames, 'i');
      for (const c of definedColumns(stmt)) {
        if (!['float', 'double', 'real'].includes(c.type)) continue;
        if (money.test(c.name)) ctx.report({ pos: c.pos, message: `Column \`${c.name}\` holds money in ${c.type.toUpperCase()}.` });
        else ctx.report({ pos: c.pos, severity: 'info', message: `Column \`${c.name}\` is ${c.type.toUpperCase()}: an approximate type. Fine for measurements, wrong for exact values.` });
      }
    },
  }),
  defineRule({
    id: 'column-float-precision-deprecated',
    category: 'column',
    severity: 'warning',
    title: 'No FLOAT(M,D) / DOUBLE(M,D)',
    rationale: 'The (M,D) syntax for floating point types is deprecated since MySQL 8.0.17 and rounds values on storage.',
    fix: 'Use DECIMAL(M,D) for exact values or plain FLOAT/DOUBLE.',
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN w double(10,2) NOT NULL DEFAULT 0', good: 'ALTER TABLE t ADD COLUMN w double NOT NULL DEFAULT 0' }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if (['float', 'double', 'real'].includes(c.type) && c.scale !== undefined) ctx.report({ pos: c.pos, message: `\`${c.name}\` ${c.type.toUpperCase()}(${c.length},${c.scale}) uses deprecated syntax.` });
    },
  }),
  defineRule({
    id: 'column-integer-display-width',
    category: 'column',
    severity: 'warning',
    title: 'No integer display widths (INT(11))',
    rationale: 'Display widths are deprecated since MySQL 8.0.17 and never limited the stored range; `INT(3)` still holds 2 billion.',
    fix: 'Write `INT`, `BIGINT` ... without a width (TINYINT(1) for booleans is accepted).',
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN n int(11) NOT NULL DEFAULT 0', good: 'ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0' }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) {
        if (INTEGER_TYPES.has(c.type) && c.length !== undefined && !(c.type === 'tinyint' && c.length === 1)) ctx.report({ pos: c.pos, message: `\`${c.name}\` ${c.type.toUpperCase()}(${c.length}): the display width is deprecated and limits nothing.` });
      }
    },
  }),
  defineRule({
    id: 'column-zerofill',
    category: 'column',
    severity: 'warning',
    title: 'No ZEROFILL',
    rationale: 'ZEROFILL is deprecated since MySQL 8.0.17 and implies UNSIGNED; padding is a display concern.',
    fix: 'Drop ZEROFILL and pad in the application (LPAD in queries).',
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN code int zerofill NOT NULL DEFAULT 0', good: 'ALTER TABLE t ADD COLUMN code int unsigned NOT NULL DEFAULT 0' }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if (c.zerofill) ctx.report({ pos: c.pos, message: `\`${c.name}\` uses ZEROFILL.` });
    },
  }),
  defineRule({
    id: 'column-enum-policy',
    category: 'column',
    severity: 'warning',
    title: 'ENUM and SET follow the policy (not allowed by default)',
    rationale: 'Adding a member is INSTANT only at the end and within the same storage size; reordering or removing one copies the table, and ENUM sorts by position, not by name.',
    fix: 'Use a TINYINT/SMALLINT code with a comment, or a VARCHAR with a CHECK constraint or a lookup table.',
    params: z.object({ allowed: z.boolean().default(false), maxValues: z.number().int().min(1).default(20) }),
    examples: [{ bad: "ALTER TABLE t ADD COLUMN state enum('a','b') NOT NULL DEFAULT 'a'", good: "ALTER TABLE t ADD COLUMN state tinyint NOT NULL DEFAULT 0 COMMENT '0=a 1=b'" }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) {
        if (c.type !== 'enum' && c.type !== 'set') continue;
        if (!ctx.params.allowed) ctx.report({ pos: c.pos, message: `\`${c.name}\` is ${c.type.toUpperCase()}; the guideline does not allow it.` });
        else if ((c.values?.length ?? 0) > ctx.params.maxValues) ctx.report({ pos: c.pos, message: `\`${c.name}\` has ${c.values?.length} members, over ${ctx.params.maxValues}.` });
      }
    },
  }),
  defineRule({
    id: 'column-varchar-length',
    category: 'column',
    severity: 'warning',
    title: 'VARCHAR lengths stay within the limit',
    rationale: 'Long VARCHARs inflate in-memory temporary tables and sort buffers (allocated at full length) and suggest a TEXT in disguise.',
    fix: 'Use a realistic maximum, or TEXT in a side table for free-form text.',
    params: z.object({ max: z.number().int().min(1).default(1024) }),
    examples: [{ bad: "ALTER TABLE t ADD COLUMN note varchar(5000) NOT NULL DEFAULT ''", good: "ALTER TABLE t ADD COLUMN note varchar(500) NOT NULL DEFAULT ''" }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if ((c.type === 'varchar' || c.type === 'varbinary') && (c.length ?? 0) > ctx.params.max) ctx.report({ pos: c.pos, message: `\`${c.name}\` ${c.type.toUpperCase()}(${c.length}) is over ${ctx.params.max}.` });
    },
  }),
  defineRule({
    id: 'column-char-length',
    category: 'column',
    severity: 'info',
    title: 'CHAR only for short fixed-length values',
    rationale: 'CHAR pads to full length (and utf8mb4 reserves 4 bytes per character in some row formats); long CHARs waste space.',
    fix: 'Use VARCHAR for values over 20 characters or of varying length.',
    params: z.object({ max: z.number().int().min(1).default(20) }),
    examples: [{ bad: "ALTER TABLE t ADD COLUMN title char(100) NOT NULL DEFAULT ''", good: "ALTER TABLE t ADD COLUMN country char(2) NOT NULL DEFAULT ''" }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if (c.type === 'char' && (c.length ?? 1) > ctx.params.max) ctx.report({ pos: c.pos, message: `\`${c.name}\` CHAR(${c.length}) is long for a fixed-length type.` });
    },
  }),
  defineRule({
    id: 'column-text-blob-type',
    category: 'column',
    severity: 'warning',
    title: 'No LONGTEXT/LONGBLOB/MEDIUMBLOB (large objects in the database)',
    rationale: 'Values up to 4 GB in a row bloat backups, replication and the buffer pool; the database is not a file store.',
    fix: 'Store large objects in S3 and keep the key; use TEXT for bounded text.',
    params: z.object({ disallowed: names(['longtext', 'longblob', 'mediumblob']) }),
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN body longtext', good: 'ALTER TABLE t ADD COLUMN body text' }],
    check(stmt, ctx) {
      const bad = new Set(ctx.params.disallowed.map((x) => x.toLowerCase()));
      for (const c of definedColumns(stmt)) if (bad.has(c.type)) ctx.report({ pos: c.pos, message: `\`${c.name}\` is ${c.type.toUpperCase()}.` });
    },
  }),
  defineRule({
    id: 'column-auto-increment-unsigned',
    category: 'column',
    severity: 'warning',
    title: 'AUTO_INCREMENT columns are UNSIGNED',
    rationale: 'Identifiers are never negative; a signed column wastes half its range and runs out twice as early.',
    fix: 'Declare it `UNSIGNED`.',
    examples: [{ bad: 'CREATE TABLE t (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY)', good: 'CREATE TABLE t (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY)' }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if (c.autoIncrement && !c.unsigned) ctx.report({ pos: c.pos, message: `AUTO_INCREMENT column \`${c.name}\` is signed.` });
    },
  }),
  defineRule({
    id: 'column-auto-increment-size',
    category: 'column',
    severity: 'warning',
    title: 'AUTO_INCREMENT columns are BIGINT (or the configured minimum)',
    rationale: 'INT UNSIGNED runs out at 4.29 billion; changing the type later copies the whole table, usually when it is largest.',
    fix: 'Use `BIGINT UNSIGNED`.',
    params: z.object({ allowed: names(['bigint']) }),
    examples: [{ bad: 'CREATE TABLE t (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY)', good: 'CREATE TABLE t (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY)' }],
    check(stmt, ctx) {
      const allowed = ctx.params.allowed.map((x) => x.toLowerCase());
      for (const c of definedColumns(stmt)) if (c.autoIncrement && !allowed.includes(c.type)) ctx.report({ pos: c.pos, message: `AUTO_INCREMENT column \`${c.name}\` is ${c.type.toUpperCase()}, not ${ctx.params.allowed.join('/').toUpperCase()}.` });
    },
  }),
  defineRule({
    id: 'column-timestamp-default',
    category: 'column',
    severity: 'warning',
    title: 'Audit timestamps default to CURRENT_TIMESTAMP; updated_at has ON UPDATE',
    rationale: 'If the database fills created_at/updated_at, every writer agrees on them, including manual fixes and batch jobs.',
    fix: '`created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP`, `updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP`.',
    params: z.object({ created: names(['created_at']), updated: names(['updated_at']) }),
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP', good: 'ALTER TABLE t ADD COLUMN updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP' }],
    check(stmt, ctx) {
      const created = new Set(ctx.params.created.map((x) => x.toLowerCase()));
      const updated = new Set(ctx.params.updated.map((x) => x.toLowerCase()));
      for (const c of definedColumns(stmt)) {
        const n = c.name.toLowerCase();
        if (!created.has(n) && !updated.has(n)) continue;
        if (!TIME_TYPES.has(c.type)) ctx.report({ pos: c.pos, message: `\`${c.name}\` is ${c.type.toUpperCase()}, not DATETIME/TIMESTAMP.` });
        else if (c.default?.kind !== 'current_timestamp') ctx.report({ pos: c.pos, message: `\`${c.name}\` does not default to CURRENT_TIMESTAMP.` });
        else if (updated.has(n) && !c.onUpdateCurrentTimestamp) ctx.report({ pos: c.pos, message: `\`${c.name}\` lacks ON UPDATE CURRENT_TIMESTAMP.` });
      }
    },
  }),
  defineRule({
    id: 'column-timestamp-2038',
    category: 'column',
    severity: 'info',
    title: 'Prefer DATETIME to TIMESTAMP for dates that may pass 2038',
    rationale: 'TIMESTAMP stops at 2038-01-19 03:14:07 UTC; expiry dates and contracts already reach it. TIMESTAMP also converts with the session time zone.',
    fix: 'Use DATETIME (store UTC).',
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN expires_at timestamp NULL', good: 'ALTER TABLE t ADD COLUMN expires_at datetime NULL' }],
    check(stmt, ctx) {
      for (const c of newColumns(stmt)) if (c.type === 'timestamp') ctx.report({ pos: c.pos, message: `\`${c.name}\` is TIMESTAMP (range ends in 2038).` });
    },
  }),
  defineRule({
    id: 'column-duplicate-name',
    category: 'column',
    severity: 'error',
    title: 'A table does not define the same column twice',
    rationale: 'MySQL rejects the statement ("Duplicate column name"); column names are case-insensitive.',
    fix: 'Remove or rename one of them.',
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, A int)', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, b int)' }],
    check(stmt, ctx) {
      const seen = new Set<string>();
      for (const c of stmt.kind === 'create_table' ? stmt.columns : stmt.kind === 'alter_table' ? stmt.actions.flatMap((a) => (a.op === 'add_column' ? [a.column] : [])) : []) {
        const k = c.name.toLowerCase();
        if (seen.has(k)) ctx.report({ pos: c.pos, message: `Column \`${c.name}\` is defined twice.` });
        seen.add(k);
      }
    },
  }),
  defineRule({
    id: 'column-boolean-type',
    category: 'column',
    severity: 'info',
    title: 'Flags (is_/has_ columns) are TINYINT(1)/BOOLEAN NOT NULL',
    rationale: 'A flag stored as VARCHAR or INT invites values other than 0/1 and wastes space.',
    fix: 'Use `TINYINT(1) NOT NULL DEFAULT 0` (BOOLEAN is an alias).',
    examples: [{ bad: "ALTER TABLE t ADD COLUMN is_active varchar(5) NOT NULL DEFAULT 'true'", good: 'ALTER TABLE t ADD COLUMN is_active tinyint(1) NOT NULL DEFAULT 0' }],
    check(stmt, ctx) {
      for (const c of newColumns(stmt)) {
        if (/^(is|has|can|should)_/i.test(c.name) && !['tinyint', 'bool', 'boolean', 'bit'].includes(c.type)) ctx.report({ pos: c.pos, message: `Flag \`${c.name}\` is ${c.type.toUpperCase()}.` });
      }
    },
  }),
];
