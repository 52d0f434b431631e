import { z } from 'zod';
import { NON_RESERVED_KEYWORDS, RESERVED_WORDS } from './reserved-words';
import { newColumnNames, newIndexes, newTableNames, renamedIndexes } from './helpers';
import { defineRule } from './types';

const pattern = (fallback: string) => z.string().default(fallback).refine((p) => {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}, 'must be a valid regular expression');

/** Compiled patterns are cached: rules run per statement. */
const regexCache = new Map<string, RegExp>();
function re(p: string): RegExp {
  let r = regexCache.get(p);
  if (!r) {
    r = new RegExp(p);
    regexCache.set(p, r);
  }
  return r;
}

export const namingRules = [
  defineRule({
    id: 'naming-table-pattern',
    category: 'naming',
    severity: 'warning',
    title: 'Table names follow the naming pattern (snake_case by default)',
    rationale: 'One naming style makes queries predictable; mixed case also breaks between case-sensitive (Linux) and case-insensitive (macOS, lower_case_table_names=1) servers.',
    fix: 'Rename the table to lower snake_case, e.g. `user_accounts`.',
    params: z.object({ pattern: pattern('^[a-z][a-z0-9_]*$') }),
    examples: [{ bad: 'CREATE TABLE UserAccounts (id bigint unsigned NOT NULL PRIMARY KEY)', good: 'CREATE TABLE user_accounts (id bigint unsigned NOT NULL PRIMARY KEY)' }],
    check(stmt, ctx) {
      for (const t of newTableNames(stmt)) {
        if (!re(ctx.params.pattern).test(t.name.name)) ctx.report({ pos: t.pos ?? ctx.statement, message: `Table name \`${t.name.name}\` does not match ${ctx.params.pattern}.` });
      }
    },
  }),
  defineRule({
    id: 'naming-column-pattern',
    category: 'naming',
    severity: 'warning',
    title: 'Column names follow the naming pattern (snake_case by default)',
    rationale: 'Consistent column names spare every query writer a lookup and keep ORMs mapping predictable.',
    fix: 'Rename the column to lower snake_case, e.g. `created_at`.',
    params: z.object({ pattern: pattern('^[a-z][a-z0-9_]*$') }),
    examples: [
      { bad: 'ALTER TABLE t ADD COLUMN createdAt datetime', good: 'ALTER TABLE t ADD COLUMN created_at datetime' },
      { bad: 'ALTER TABLE t RENAME COLUMN created_at TO CreatedAt', good: 'ALTER TABLE t RENAME COLUMN createdAt TO created_at' },
    ],
    check(stmt, ctx) {
      for (const c of newColumnNames(stmt)) {
        if (!re(ctx.params.pattern).test(c.name)) ctx.report({ pos: c.pos, message: `Column name \`${c.name}\` does not match ${ctx.params.pattern}.` });
      }
    },
  }),
  defineRule({
    id: 'naming-index-prefix',
    category: 'naming',
    severity: 'warning',
    title: 'Index names start with idx_ (index), uk_ (unique), ft_ (fulltext), sp_ (spatial)',
    rationale: 'The prefix tells what an index enforces when it appears in EXPLAIN output, errors and deadlock logs.',
    fix: 'Rename the index, e.g. `idx_user_id` or `uk_email`.',
    params: z.object({ index: pattern('^idx_'), unique: pattern('^uk_'), fulltext: pattern('^ft_'), spatial: pattern('^sp_') }),
    examples: [
      { bad: 'ALTER TABLE t ADD INDEX user_id (user_id)', good: 'ALTER TABLE t ADD INDEX idx_user_id (user_id)' },
      { bad: 'CREATE UNIQUE INDEX email ON t (email)', good: 'CREATE UNIQUE INDEX uk_email ON t (email)' },
      { bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, e int, UNIQUE KEY uk_e (e));\nALTER TABLE t RENAME INDEX uk_e TO idx_e', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, e int, UNIQUE KEY uk_e (e));\nALTER TABLE t RENAME INDEX uk_e TO uk_email' },
      { bad: 'ALTER TABLE t RENAME INDEX idx_a TO bad_name', good: 'ALTER TABLE t RENAME INDEX a TO idx_a' },
    ],
    check(stmt, ctx) {
      const say = (kind: string, name: string): string => `${kind === 'index' ? 'Index' : `${kind[0]?.toUpperCase()}${kind.slice(1)} index`} \`${name}\``;
      for (const i of newIndexes(stmt)) {
        if (i.kind === 'primary' || !i.name) continue;
        const p = ctx.params[i.kind];
        if (!re(p).test(i.name)) ctx.report({ pos: i.pos, message: `${say(i.kind, i.name)} does not match ${p}.` });
      }
      for (const r of renamedIndexes(stmt)) {
        const known = stmt.kind === 'alter_table' ? ctx.state.get(stmt.table)?.indexes.find((i) => i.name.toLowerCase() === r.from.toLowerCase()) : undefined;
        if (known?.kind === 'primary') continue;
        if (known) {
          const p = ctx.params[known.kind];
          if (!re(p).test(r.to)) ctx.report({ pos: r.pos, message: `${say(known.kind, r.to)} (renamed from \`${r.from}\`) does not match ${p}.` });
        } else if (![ctx.params.index, ctx.params.unique, ctx.params.fulltext, ctx.params.spatial].some((p) => re(p).test(r.to))) {
          ctx.report({ pos: r.pos, message: `Index \`${r.from}\` is renamed to \`${r.to}\`, which matches none of the index name patterns.` });
        }
      }
    },
  }),
  defineRule({
    id: 'naming-foreign-key-prefix',
    category: 'naming',
    severity: 'warning',
    title: 'Foreign key names start with fk_',
    rationale: 'A named constraint can be dropped by name; a generated name (`t_ibfk_1`) differs between environments.',
    fix: 'Name it: `CONSTRAINT fk_orders_user_id FOREIGN KEY ...`.',
    params: z.object({ pattern: pattern('^fk_') }),
    examples: [{ bad: 'ALTER TABLE o ADD CONSTRAINT o_user FOREIGN KEY (user_id) REFERENCES u (id)', good: 'ALTER TABLE o ADD CONSTRAINT fk_o_user FOREIGN KEY (user_id) REFERENCES u (id)' }],
    check(stmt, ctx) {
      const fks = stmt.kind === 'create_table' ? stmt.foreignKeys : stmt.kind === 'alter_table' ? stmt.actions.flatMap((a) => (a.op === 'add_foreign_key' ? [a.fk] : [])) : [];
      for (const fk of fks) {
        if (!fk.name) ctx.report({ pos: fk.pos, message: 'Foreign key has no name; MySQL will generate one.' });
        else if (!re(ctx.params.pattern).test(fk.name)) ctx.report({ pos: fk.pos, message: `Foreign key \`${fk.name}\` does not match ${ctx.params.pattern}.` });
      }
    },
  }),
  defineRule({
    id: 'naming-index-unnamed',
    category: 'naming',
    severity: 'warning',
    title: 'Indexes are named explicitly',
    rationale: 'MySQL names an unnamed index after its first column (`user_id`, `user_id_2`), which differs between environments and says nothing about its purpose.',
    fix: 'Give the index a name: `KEY idx_user_id (user_id)`.',
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, KEY (a))', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, KEY idx_a (a))' }],
    check(stmt, ctx) {
      for (const i of newIndexes(stmt)) {
        if (i.kind !== 'primary' && !i.name) ctx.report({ pos: i.pos, message: `The ${i.kind === 'index' ? '' : `${i.kind} `}index on (${i.columns.map((c) => c.name).join(', ')}) has no name.` });
      }
    },
  }),
  defineRule({
    id: 'naming-reserved-word',
    category: 'naming',
    severity: 'error',
    title: 'No MySQL reserved words as table or column names',
    rationale: 'A reserved word must be back-quoted in every query forever; tools and hand-written SQL that forget break.',
    fix: 'Choose another name, e.g. `order` -> `sort_order`, `key` -> `api_key`.',
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, `order` int)', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, sort_order int)' }],
    check(stmt, ctx) {
      for (const t of newTableNames(stmt)) {
        if (RESERVED_WORDS.has(t.name.name.toLowerCase())) ctx.report({ pos: t.pos ?? ctx.statement, message: `Table name \`${t.name.name}\` is a MySQL reserved word.` });
      }
      for (const c of newColumnNames(stmt)) {
        if (RESERVED_WORDS.has(c.name.toLowerCase())) ctx.report({ pos: c.pos, message: `Column name \`${c.name}\` is a MySQL reserved word.` });
      }
    },
  }),
  defineRule({
    id: 'naming-keyword',
    category: 'naming',
    severity: 'warning',
    title: 'No MySQL keywords (even non-reserved ones) as table or column names (option, off by default)',
    rationale: 'Non-reserved keywords (`status`, `type`, `date`, `comment`) are legal names but read like SQL, may become reserved in a later version and confuse tools that quote only reserved words.',
    fix: 'Qualify the name: `order_status`, `event_type`, `birth_date`.',
    disabledByDefault: true,
    examples: [{ bad: 'ALTER TABLE t ADD COLUMN status tinyint NOT NULL DEFAULT 0', good: 'ALTER TABLE t ADD COLUMN order_status tinyint NOT NULL DEFAULT 0' }],
    check(stmt, ctx) {
      for (const t of newTableNames(stmt)) if (NON_RESERVED_KEYWORDS.has(t.name.name.toLowerCase())) ctx.report({ pos: t.pos ?? ctx.statement, message: `Table name \`${t.name.name}\` is a MySQL keyword.` });
      for (const c of newColumnNames(stmt)) if (NON_RESERVED_KEYWORDS.has(c.name.toLowerCase())) ctx.report({ pos: c.pos, message: `Column name \`${c.name}\` is a MySQL keyword.` });
    },
  }),
  defineRule({
    id: 'naming-identifier-length',
    category: 'naming',
    severity: 'error',
    title: 'Identifiers fit the length limit (64, MySQL\'s maximum)',
    rationale: 'MySQL refuses names over 64 characters; a lower team limit keeps generated names (indexes, FKs) within it.',
    fix: 'Shorten the name.',
    params: z.object({ max: z.number().int().min(1).max(64).default(64) }),
    examples: [{ bad: `CREATE TABLE t (id int NOT NULL PRIMARY KEY, ${'a'.repeat(65)} int)`, good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int)' }],
    check(stmt, ctx) {
      const max = ctx.params.max;
      for (const t of newTableNames(stmt)) if (t.name.name.length > max) ctx.report({ pos: t.pos ?? ctx.statement, message: `Table name is ${t.name.name.length} characters, over ${max}.` });
      for (const c of newColumnNames(stmt)) if (c.name.length > max) ctx.report({ pos: c.pos, message: `Column name \`${c.name.slice(0, 20)}…\` is ${c.name.length} characters, over ${max}.` });
      for (const i of [...newIndexes(stmt), ...renamedIndexes(stmt).map((r) => ({ name: r.to, pos: r.pos }))]) if (i.name && i.name.length > max) ctx.report({ pos: i.pos, message: `Index name is ${i.name.length} characters, over ${max}.` });
    },
  }),
  defineRule({
    id: 'naming-identifier-charset',
    category: 'naming',
    severity: 'warning',
    title: 'Identifiers use ASCII letters, digits and underscores only',
    rationale: 'Spaces, dashes or non-ASCII letters (e.g. Japanese) in names force quoting everywhere and break tools that assume plain identifiers.',
    fix: 'Use an ASCII name and put the human wording in the COMMENT.',
    examples: [{ bad: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, `名前` varchar(10))', good: "CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(10) COMMENT '名前')" }],
    check(stmt, ctx) {
      const ok = /^[A-Za-z0-9_$]+$/;
      for (const t of newTableNames(stmt)) if (!ok.test(t.name.name)) ctx.report({ pos: t.pos ?? ctx.statement, message: `Table name \`${t.name.name}\` has characters other than ASCII letters, digits and _.` });
      for (const c of newColumnNames(stmt)) if (!ok.test(c.name)) ctx.report({ pos: c.pos, message: `Column name \`${c.name}\` has characters other than ASCII letters, digits and _.` });
    },
  }),
  defineRule({
    id: 'naming-scratch-table',
    category: 'naming',
    severity: 'info',
    title: 'No backup or scratch tables (`_bak`, `_old`, `tmp_`, dated copies) in migrations',
    rationale: 'Copies made "just in case" stay forever, hold stale personal data and confuse the next reader.',
    fix: 'Take a backup outside the schema (snapshot, dump) and drop the copy in the same change.',
    params: z.object({ pattern: pattern('(^tmp_|^temp_|_bak$|_backup$|_old$|_copy$|_\\d{6,8}$)') }),
    examples: [{ bad: 'CREATE TABLE users_bak LIKE users', good: 'CREATE TABLE user_profiles LIKE users' }],
    check(stmt, ctx) {
      for (const t of newTableNames(stmt)) if (re(ctx.params.pattern).test(t.name.name.toLowerCase())) ctx.report({ pos: t.pos ?? ctx.statement, message: `\`${t.name.name}\` looks like a backup or scratch table.` });
    },
  }),
];
