import { z } from 'zod';
import type { StatementModel } from '../sql/model';
import { definedColumns, newIndexes } from './helpers';
import { maskLiterals } from './dml-shape';
import { defineRule, type RuleContext } from './types';

const names = (fallback: string[]) => z.array(z.string()).default(fallback);

const OBJECT_HEAD = /^\s*create\s+(?:or\s+replace\s+)?(?:algorithm\s*=\s*\w+\s+)?(?:definer\s*=\s*(?:`[^`]*`|'[^']*'|"[^"]*"|[^\s@]+)(?:\s*@\s*(?:`[^`]*`|'[^']*'|"[^"]*"|\S+))?\s+)?(?:sql\s+security\s+\w+\s+)?(?:aggregate\s+)?(procedure|function|trigger|event|view)\b/i;

/** CREATE PROCEDURE / FUNCTION / TRIGGER / EVENT / VIEW, as written (DEFINER and all). */
function createdObject(stmt: StatementModel, text: string): string | undefined {
  if (stmt.kind === 'create_view') return 'view';
  if (stmt.kind !== 'other' || !stmt.keyword.startsWith('create')) return undefined;
  return OBJECT_HEAD.exec(text)?.[1]?.toLowerCase();
}

function objectRule(kind: 'procedure' | 'function' | 'trigger' | 'event' | 'view', why: string, bad: string, defaultOff = false) {
  return defineRule({
    id: `object-no-${kind}`,
    category: 'safety',
    severity: 'warning',
    title: `CREATE ${kind.toUpperCase()} is allowed only by policy`,
    rationale: why,
    fix: `Keep the logic in the application, or enable this object type in the review config (rules.object-no-${kind}: off).`,
    ...(defaultOff ? { disabledByDefault: true } : {}),
    examples: [{ bad, good: 'CREATE TABLE t (id bigint unsigned NOT NULL PRIMARY KEY)' }],
    check(stmt, ctx) {
      if (createdObject(stmt, ctx.statement.text) === kind) ctx.report({ pos: ctx.statement, message: `Creates a ${kind}; the guideline does not allow ${kind}s in migrations.` });
    },
  });
}

function templateName(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, key: string) => values[key] ?? m);
}

function tableOf(stmt: StatementModel): string | undefined {
  return stmt.kind === 'create_table' || stmt.kind === 'alter_table' || stmt.kind === 'create_index' ? stmt.table.name : undefined;
}

const keywordCache = new Map<string, RegExp>();
function functionCall(fn: string): RegExp {
  let r = keywordCache.get(fn);
  if (!r) {
    r = new RegExp(`\\b${fn.replace(/[^A-Za-z0-9_]/g, '')}\\s*\\(`, 'i');
    keywordCache.set(fn, r);
  }
  return r;
}

/** Is any of these tables the target of this statement? */
function targets(stmt: StatementModel, ctx: RuleContext<unknown>): string[] {
  switch (stmt.kind) {
    case 'create_table':
    case 'alter_table':
    case 'create_index':
    case 'drop_index':
    case 'truncate':
      return [stmt.table.name];
    case 'drop_table':
      return stmt.tables.map((t) => t.name);
    case 'rename_table':
      return stmt.pairs.map((p) => p.from.name);
    default:
      return /^(update|delete|insert|replace)$/.test((/^\s*([A-Za-z]+)/.exec(ctx.statement.text)?.[1] ?? '').toLowerCase())
        ? [/^\s*(?:update|delete\s+(?:\w+\s+)*?from|insert\s+(?:\w+\s+)*?into|replace\s+(?:\w+\s+)*?into)\s+`?([A-Za-z0-9_$]+)/i.exec(maskLiterals(ctx.statement.text))?.[1] ?? '']
        : [];
  }
}

export const policyRules = [
  defineRule({
    id: 'table-auto-increment-initial',
    category: 'table',
    severity: 'warning',
    title: 'A new table does not start AUTO_INCREMENT at an arbitrary value',
    rationale: 'A copied `AUTO_INCREMENT=18372` (from SHOW CREATE TABLE of another environment) makes ids differ between environments and wastes range; a new table starts at 1.',
    fix: 'Remove the `AUTO_INCREMENT=n` table option (or set the configured value).',
    params: z.object({ value: z.number().int().min(0).default(1) }),
    examples: [{ bad: 'CREATE TABLE t (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT=18372', good: 'CREATE TABLE t (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT=1' }],
    check(stmt, ctx) {
      const v = stmt.kind === 'create_table' ? stmt.options.autoIncrementValue : undefined;
      if (v !== undefined && v !== ctx.params.value) ctx.report({ pos: ctx.statement, message: `The table starts AUTO_INCREMENT at ${v}, not ${ctx.params.value}.` });
    },
  }),
  defineRule({
    id: 'column-current-timestamp-count',
    category: 'column',
    severity: 'warning',
    title: 'At most N columns default to or update with CURRENT_TIMESTAMP',
    rationale: 'More than the audit pair (created_at, updated_at) filled by the server usually means a business date is set by accident on every write.',
    fix: 'Let the application set business timestamps; keep CURRENT_TIMESTAMP for created_at / updated_at.',
    params: z.object({ max: z.number().int().min(0).default(2) }),
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a datetime DEFAULT CURRENT_TIMESTAMP, b datetime DEFAULT CURRENT_TIMESTAMP, c datetime ON UPDATE CURRENT_TIMESTAMP)', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, created_at datetime DEFAULT CURRENT_TIMESTAMP, updated_at datetime DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)' }],
    table(t, params) {
      const cols = [...t.columns.values()].filter((c) => c.default?.kind === 'current_timestamp' || c.onUpdateCurrentTimestamp);
      return cols.length > params.max ? `\`${t.name}\` has ${cols.length} CURRENT_TIMESTAMP columns (${cols.map((c) => c.name).join(', ')}), over ${params.max}.` : undefined;
    },
  }),
  defineRule({
    id: 'column-position-change',
    category: 'column',
    severity: 'warning',
    title: 'Columns are not reordered (FIRST / AFTER)',
    rationale: 'Reordering a column with MODIFY/CHANGE ... FIRST/AFTER rebuilds the whole table, and ADD COLUMN ... FIRST/AFTER is INSTANT only from MySQL 8.0.29; column order has no meaning to SQL.',
    fix: 'Drop FIRST/AFTER: add the column at the end and name columns explicitly in queries.',
    examples: [
      { bad: 'ALTER TABLE t MODIFY a int NOT NULL AFTER b', good: 'ALTER TABLE t MODIFY a int NOT NULL' },
      { bad: 'ALTER TABLE t ADD COLUMN a int NULL FIRST', good: 'ALTER TABLE t ADD COLUMN a int NULL' },
    ],
    check(stmt, ctx) {
      if (stmt.kind !== 'alter_table') return;
      for (const a of stmt.actions) {
        if ((a.op === 'add_column' || a.op === 'modify_column' || a.op === 'change_column') && a.position) {
          const where = 'first' in a.position ? 'FIRST' : `AFTER \`${a.position.after}\``;
          ctx.report({ pos: a.pos, message: `\`${a.column.name}\` is placed ${where}${a.op === 'add_column' ? '' : ', which rebuilds the table'}.` });
        }
      }
    },
  }),
  defineRule({
    id: 'index-type-allowed',
    category: 'index',
    severity: 'warning',
    title: 'Index types come from the allow-list (BTREE, FULLTEXT, SPATIAL)',
    rationale: 'InnoDB silently builds a BTREE for `USING HASH`, so the DDL says something the server does not do; other types may be policy-restricted.',
    fix: 'Remove `USING HASH` (or use an allowed type).',
    params: z.object({ allowed: names(['BTREE', 'FULLTEXT', 'SPATIAL']) }),
    examples: [{ bad: 'ALTER TABLE t ADD INDEX idx_a (a) USING HASH', good: 'ALTER TABLE t ADD INDEX idx_a (a) USING BTREE' }],
    check(stmt, ctx) {
      const allowed = ctx.params.allowed.map((x) => x.toUpperCase());
      for (const i of newIndexes(stmt)) {
        const type = i.kind === 'fulltext' ? 'FULLTEXT' : i.kind === 'spatial' ? 'SPATIAL' : (i.type ?? 'BTREE');
        if (!allowed.includes(type)) ctx.report({ pos: i.pos, message: `Index type ${type} is not in the allow-list (${allowed.join(', ')}).` });
      }
    },
  }),
  defineRule({
    id: 'column-auto-increment-name',
    category: 'naming',
    severity: 'warning',
    title: 'The AUTO_INCREMENT column is named `id`',
    rationale: 'One name for the surrogate key lets tools, ORMs and people find it without looking.',
    fix: 'Rename the column to `id`.',
    params: z.object({ pattern: z.string().default('^id$') }),
    examples: [{ bad: 'CREATE TABLE t (user_no bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY)', good: 'CREATE TABLE t (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY)' }],
    check(stmt, ctx) {
      const re = new RegExp(ctx.params.pattern);
      for (const c of definedColumns(stmt)) if (c.autoIncrement && !re.test(c.name)) ctx.report({ pos: c.pos, message: `AUTO_INCREMENT column \`${c.name}\` does not match ${ctx.params.pattern}.` });
    },
  }),
  objectRule('procedure', 'Stored procedures hide logic from the application, are versioned apart from it, block DROP USER of their definer and complicate failover and upgrades.', 'CREATE PROCEDURE p() SELECT 1'),
  objectRule('function', 'Stored functions run per row inside queries, are invisible to the application and make statement-based replication unsafe when non-deterministic.', 'CREATE FUNCTION f() RETURNS int DETERMINISTIC RETURN 1'),
  objectRule('trigger', 'Triggers add hidden writes to every statement, make gh-ost unusable and pt-online-schema-change fragile.', 'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1'),
  objectRule('event', 'Events are a scheduler inside the database: they run on the writer only, are not monitored like jobs and are easy to forget.', 'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t WHERE id < 0'),
  objectRule('view', 'Views hide the cost of the query behind them and break when the tables change; some teams allow them, so this rule is off by default.', 'CREATE VIEW v AS SELECT id FROM t', true),
  defineRule({
    id: 'function-deny-list',
    category: 'safety',
    severity: 'warning',
    title: 'No denied functions (SYSDATE, UUID, RAND, ...) in DDL defaults or statements',
    rationale: 'SYSDATE() differs from NOW() within a statement and breaks replication; UUID()/RAND() in defaults or data changes are non-deterministic and unsafe for statement-based replication.',
    fix: 'Use NOW()/CURRENT_TIMESTAMP, generate ids in the application, or remove the call.',
    params: z.object({ functions: names(['SYSDATE', 'UUID', 'UUID_SHORT', 'RAND', 'SLEEP', 'BENCHMARK', 'LOAD_FILE']) }),
    examples: [
      { bad: 'ALTER TABLE t ADD COLUMN token char(36) NOT NULL DEFAULT (UUID())', good: "ALTER TABLE t ADD COLUMN token char(36) NOT NULL DEFAULT ''" },
      { bad: 'UPDATE t SET seen_at = SYSDATE() WHERE id = 1', good: 'UPDATE t SET seen_at = NOW() WHERE id = 1' },
    ],
    check(_stmt, ctx) {
      const text = maskLiterals(ctx.statement.text);
      for (const fn of ctx.params.functions) if (functionCall(fn).test(text)) ctx.report({ pos: ctx.statement, message: `Calls ${fn.toUpperCase()}(), which the guideline denies.` });
    },
  }),
  defineRule({
    id: 'column-no-explicit-charset',
    category: 'column',
    severity: 'info',
    title: 'Columns do not set their own character set (the table decides)',
    rationale: 'A column charset different from the table makes joins convert and skip indexes; one charset per table keeps comparisons cheap.',
    fix: 'Remove CHARACTER SET from the column; set it on the table.',
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN a varchar(10) CHARACTER SET latin1 NULL', good: 'ALTER TABLE t ADD COLUMN a varchar(10) NULL' }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if (c.charset) ctx.report({ pos: c.pos, message: `Column \`${c.name}\` sets CHARACTER SET ${c.charset}.` });
    },
  }),
  defineRule({
    id: 'column-require-explicit-charset',
    category: 'column',
    severity: 'warning',
    title: 'Text columns state their character set (policy option, off by default)',
    rationale: 'Some teams want every text column to carry its charset so a table default change cannot alter it.',
    fix: 'Add `CHARACTER SET utf8mb4` to the column.',
    disabledByDefault: true,
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN a varchar(10) NULL', good: 'ALTER TABLE t ADD COLUMN a varchar(10) CHARACTER SET utf8mb4 NULL' }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if (/char|text|enum|set/.test(c.type) && !c.charset) ctx.report({ pos: c.pos, message: `Text column \`${c.name}\` does not state its CHARACTER SET.` });
    },
  }),
  defineRule({
    id: 'column-no-explicit-collation',
    category: 'column',
    severity: 'info',
    title: 'Columns do not set their own collation (the table decides)',
    rationale: 'Mixed collations fail comparisons ("Illegal mix of collations") or skip indexes in joins.',
    fix: 'Remove COLLATE from the column; set it on the table.',
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN a varchar(10) COLLATE utf8mb4_bin NULL', good: 'ALTER TABLE t ADD COLUMN a varchar(10) NULL' }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if (c.collation) ctx.report({ pos: c.pos, message: `Column \`${c.name}\` sets COLLATE ${c.collation}.` });
    },
  }),
  defineRule({
    id: 'column-require-explicit-collation',
    category: 'column',
    severity: 'warning',
    title: 'Text columns state their collation (policy option, off by default)',
    rationale: 'Some teams want case-sensitivity decided per column, explicitly, rather than inherited.',
    fix: 'Add `COLLATE utf8mb4_0900_ai_ci` (or the intended one) to the column.',
    disabledByDefault: true,
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN a varchar(10) NULL', good: 'ALTER TABLE t ADD COLUMN a varchar(10) COLLATE utf8mb4_bin NULL' }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if (/char|text|enum|set/.test(c.type) && !c.collation) ctx.report({ pos: c.pos, message: `Text column \`${c.name}\` does not state its COLLATE.` });
    },
  }),
  defineRule({
    id: 'table-deny-ddl',
    category: 'safety',
    severity: 'error',
    title: 'No DDL on the listed tables',
    rationale: 'Some tables (payments, the ledger, tables owned by another team) change only through their owners\' process.',
    fix: 'Ask the table owner; changes to it go through their review.',
    params: z.object({ tables: names(['ledger_entries']) }),
    examples: [{ bad: 'ALTER TABLE ledger_entries ADD COLUMN a int NULL', good: 'ALTER TABLE orders ADD COLUMN a int NULL' }],
    check(stmt, ctx) {
      if (!['create_table', 'alter_table', 'create_index', 'drop_index', 'drop_table', 'truncate', 'rename_table'].includes(stmt.kind)) return;
      const denied = new Set(ctx.params.tables.map((t) => t.toLowerCase()));
      for (const t of targets(stmt, ctx)) if (denied.has(t.toLowerCase())) ctx.report({ pos: ctx.statement, message: `\`${t}\` is on the no-DDL list.` });
    },
  }),
  defineRule({
    id: 'table-deny-dml',
    category: 'safety',
    severity: 'error',
    title: 'No data changes on the listed tables in migrations',
    rationale: 'Some tables (audit logs, the ledger) are append-only for the application or owned by another team: a migration must not write to them.',
    fix: 'Leave the data change to the owning application or team.',
    params: z.object({ tables: names(['audit_events', 'ledger_entries']) }),
    examples: [{ bad: 'DELETE FROM audit_events WHERE id < 100', good: 'DELETE FROM sessions WHERE id < 100' }],
    check(stmt, ctx) {
      if (stmt.kind !== 'other') return;
      const denied = new Set(ctx.params.tables.map((t) => t.toLowerCase()));
      for (const t of targets(stmt, ctx)) if (t && denied.has(t.toLowerCase())) ctx.report({ pos: ctx.statement, message: `\`${t}\` is on the no-data-change list.` });
    },
  }),
  defineRule({
    id: 'table-comment-length',
    category: 'table',
    severity: 'warning',
    title: 'Table comments stay within the length limit',
    rationale: 'MySQL cuts table comments at 2,048 characters (error in strict mode); a team limit keeps the docs readable.',
    fix: 'Shorten the comment; keep long explanations in the docs.',
    params: z.object({ max: z.number().int().min(1).max(2048).default(2048) }),
    examples: [{ bad: `CREATE TABLE t (id int NOT NULL PRIMARY KEY) COMMENT='${'x'.repeat(2049)}'`, good: "CREATE TABLE t (id int NOT NULL PRIMARY KEY) COMMENT='orders'" }],
    check(stmt, ctx) {
      const comments = stmt.kind === 'create_table' ? [stmt.options.comment] : stmt.kind === 'alter_table' ? stmt.actions.map((a) => (a.op === 'table_options' ? a.options.comment : undefined)) : [];
      for (const c of comments) if (c !== undefined && [...c].length > ctx.params.max) ctx.report({ pos: ctx.statement, message: `The table comment is ${[...c].length} characters, over ${ctx.params.max}.` });
    },
  }),
  defineRule({
    id: 'column-comment-length',
    category: 'column',
    severity: 'warning',
    title: 'Column comments stay within the length limit',
    rationale: 'MySQL allows at most 1,024 characters in a column comment; a team limit keeps generated docs readable.',
    fix: 'Shorten the comment.',
    params: z.object({ max: z.number().int().min(1).max(1024).default(1024) }),
    examples: [{ bad: `ALTER TABLE t ADD COLUMN a int NULL COMMENT '${'x'.repeat(1025)}'`, good: "ALTER TABLE t ADD COLUMN a int NULL COMMENT 'qty'" }],
    check(stmt, ctx) {
      for (const c of definedColumns(stmt)) if (c.comment !== undefined && [...c.comment].length > ctx.params.max) ctx.report({ pos: c.pos, message: `The comment of \`${c.name}\` is ${[...c.comment].length} characters, over ${ctx.params.max}.` });
    },
  }),
  defineRule({
    id: 'naming-index-template',
    category: 'naming',
    severity: 'warning',
    title: 'Index names follow the template (idx_{{table}}_{{column_list}}), off by default',
    rationale: 'A name built from the table and columns is predictable: anyone can tell what it covers and whether a duplicate exists.',
    fix: 'Rename the index to the template, e.g. `idx_orders_user_id_created_at`.',
    disabledByDefault: true,
    params: z.object({ template: z.string().default('idx_{{table}}_{{column_list}}') }),
    examples: [{ bad: 'ALTER TABLE orders ADD INDEX idx_user (user_id)', good: 'ALTER TABLE orders ADD INDEX idx_orders_user_id (user_id)' }],
    check(stmt, ctx) {
      const table = tableOf(stmt);
      for (const i of newIndexes(stmt)) {
        if (i.kind !== 'index' || !i.name || !table) continue;
        const want = templateName(ctx.params.template, { table, column_list: i.columns.map((c) => c.name).join('_') });
        if (want.length <= 64 && want.toLowerCase() !== i.name.toLowerCase()) ctx.report({ pos: i.pos, message: `Index \`${i.name}\` should be named \`${want}\`.` });
      }
    },
  }),
  defineRule({
    id: 'naming-unique-template',
    category: 'naming',
    severity: 'warning',
    title: 'Unique key names follow the template (uk_{{table}}_{{column_list}}), off by default',
    rationale: 'A unique key\'s name shows in duplicate-key errors; a name built from table and columns says what collided.',
    fix: 'Rename the key to the template, e.g. `uk_users_email`.',
    disabledByDefault: true,
    params: z.object({ template: z.string().default('uk_{{table}}_{{column_list}}') }),
    examples: [{ bad: 'ALTER TABLE users ADD UNIQUE KEY uk_mail (email)', good: 'ALTER TABLE users ADD UNIQUE KEY uk_users_email (email)' }],
    check(stmt, ctx) {
      const table = tableOf(stmt);
      for (const i of newIndexes(stmt)) {
        if (i.kind !== 'unique' || !i.name || !table) continue;
        const want = templateName(ctx.params.template, { table, column_list: i.columns.map((c) => c.name).join('_') });
        if (want.length <= 64 && want.toLowerCase() !== i.name.toLowerCase()) ctx.report({ pos: i.pos, message: `Unique key \`${i.name}\` should be named \`${want}\`.` });
      }
    },
  }),
  defineRule({
    id: 'naming-foreign-key-template',
    category: 'naming',
    severity: 'warning',
    title: 'Foreign key names follow the template (fk_{{referencing_table}}_{{referencing_column}}_{{referenced_table}}_{{referenced_column}}), off by default',
    rationale: 'A constraint error names the constraint: a name built from both ends says which relation failed.',
    fix: 'Rename the constraint to the template.',
    disabledByDefault: true,
    params: z.object({ template: z.string().default('fk_{{referencing_table}}_{{referencing_column}}_{{referenced_table}}_{{referenced_column}}') }),
    examples: [{ bad: 'ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id)', good: 'ALTER TABLE orders ADD CONSTRAINT fk_orders_user_id_users_id FOREIGN KEY (user_id) REFERENCES users (id)' }],
    check(stmt, ctx) {
      const table = tableOf(stmt);
      const fks = stmt.kind === 'create_table' ? stmt.foreignKeys : stmt.kind === 'alter_table' ? stmt.actions.flatMap((a) => (a.op === 'add_foreign_key' ? [a.fk] : [])) : [];
      for (const fk of fks) {
        if (!fk.name || !table) continue;
        const want = templateName(ctx.params.template, { referencing_table: table, referencing_column: fk.columns.join('_'), referenced_table: fk.refTable.name, referenced_column: fk.refColumns.join('_') });
        if (want.length <= 64 && want.toLowerCase() !== fk.name.toLowerCase()) ctx.report({ pos: fk.pos, message: `Foreign key \`${fk.name}\` should be named \`${want}\`.` });
      }
    },
  }),
];
