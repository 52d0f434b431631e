import { z } from 'zod';
import type { StatementModel, TableName } from '../sql/model';
import { humanBytes } from './helpers';
import { defineRule } from './types';

const GB = 1024 ** 3;

/** Tables a statement works on that must already exist. */
function existingTargets(stmt: StatementModel): TableName[] {
  switch (stmt.kind) {
    case 'alter_table':
    case 'create_index':
    case 'drop_index':
    case 'truncate':
      return [stmt.table];
    case 'drop_table':
      return stmt.ifExists ? [] : stmt.tables;
    case 'rename_table':
      return stmt.pairs.map((p) => p.from);
    default:
      return [];
  }
}

/** Does a view's definition mention this identifier as a whole word? */
function mentions(definition: string | null | undefined, name: string): boolean {
  if (!definition) return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}($|[^A-Za-z0-9_$])`, 'i').test(definition);
}

export const contextRules = [
  defineRule({
    id: 'context-table-exists',
    category: 'context',
    severity: 'error',
    title: 'CREATE TABLE does not collide with an existing table',
    rationale: 'The snapshot of the database already has this table: the migration fails, or with IF NOT EXISTS silently keeps the old definition.',
    fix: 'Pick another name, or write an ALTER for the existing table.',
    examples: [{ bad: 'CREATE TABLE users (id bigint unsigned NOT NULL PRIMARY KEY)', good: 'CREATE TABLE user_settings (id bigint unsigned NOT NULL PRIMARY KEY)', live: true }],
    check(stmt, ctx) {
      if (stmt.kind !== 'create_table') return;
      const known = ctx.state.get(stmt.table);
      if (known) ctx.report({ pos: ctx.statement, message: `Table \`${stmt.table.name}\` already exists${known.source === 'snapshot' ? ` in ${ctx.live?.cluster}/${ctx.live?.schema}` : ' (created earlier in this file)'}${stmt.ifNotExists ? '; IF NOT EXISTS will keep the old definition' : ''}.` });
    },
  }),
  defineRule({
    id: 'context-table-missing',
    category: 'context',
    severity: 'error',
    title: 'The table changed exists',
    rationale: 'The statement names a table the snapshot does not have: a typo, a wrong schema, or a migration that depends on one not yet applied.',
    fix: 'Check the table name and the migration order.',
    examples: [{ bad: 'ALTER TABLE no_such_table ADD COLUMN a int NULL', good: 'ALTER TABLE users ADD COLUMN nickname varchar(50) NULL', live: true }],
    check(stmt, ctx) {
      if (!ctx.live) return;
      for (const t of existingTargets(stmt)) if (!ctx.state.get(t)) ctx.report({ pos: ctx.statement, message: `Table \`${t.name}\` is not in ${ctx.live.cluster}/${ctx.live.schema}.` });
    },
  }),
  defineRule({
    id: 'context-column-exists',
    category: 'context',
    severity: 'error',
    title: 'ADD COLUMN does not add a column that exists',
    rationale: 'MySQL fails with "Duplicate column name"; the migration was probably applied already or the name is taken.',
    fix: 'Use another name, or MODIFY the existing column.',
    examples: [{ bad: 'ALTER TABLE users ADD COLUMN email varchar(100) NULL', good: 'ALTER TABLE users ADD COLUMN phone varchar(20) NULL', live: true }],
    check(stmt, ctx) {
      if (stmt.kind !== 'alter_table') return;
      const t = ctx.state.get(stmt.table);
      if (!t) return;
      for (const a of stmt.actions) if (a.op === 'add_column' && t.columns.has(a.column.name.toLowerCase())) ctx.report({ pos: a.pos, message: `Column \`${a.column.name}\` already exists in \`${t.name}\`.` });
    },
  }),
  defineRule({
    id: 'context-column-missing',
    category: 'context',
    severity: 'error',
    title: 'Columns changed, dropped or indexed exist',
    rationale: 'The statement refers to a column the table does not have; MySQL fails with "Unknown column".',
    fix: 'Check the column name against the current table.',
    examples: [{ bad: 'ALTER TABLE users DROP COLUMN nope', good: 'ALTER TABLE users DROP COLUMN legacy_code', live: true }],
    check(stmt, ctx) {
      if (stmt.kind !== 'alter_table' && stmt.kind !== 'create_index') return;
      const t = ctx.state.get(stmt.table);
      if (!t) return;
      const added = new Set(stmt.kind === 'alter_table' ? stmt.actions.flatMap((a) => (a.op === 'add_column' || a.op === 'change_column' ? [a.column.name.toLowerCase()] : [])) : []);
      const has = (n: string): boolean => t.columns.has(n.toLowerCase()) || added.has(n.toLowerCase());
      const miss = (n: string, pos: { line: number; column: number }): void => ctx.report({ pos, message: `Column \`${n}\` does not exist in \`${t.name}\`.` });
      if (stmt.kind === 'create_index') {
        for (const c of stmt.index.columns) if (!c.expression && !has(c.name)) miss(c.name, stmt.index.pos);
        return;
      }
      for (const a of stmt.actions) {
        if (a.op === 'drop_column' && !t.columns.has(a.name.toLowerCase())) miss(a.name, a.pos);
        else if (a.op === 'modify_column' && !t.columns.has(a.column.name.toLowerCase())) miss(a.column.name, a.pos);
        else if ((a.op === 'change_column' || a.op === 'rename_column') && !t.columns.has(a.from.toLowerCase())) miss(a.from, a.pos);
        else if (a.op === 'alter_default' && !has(a.column)) miss(a.column, a.pos);
        else if (a.op === 'add_index') for (const c of a.index.columns) if (!c.expression && !has(c.name)) miss(c.name, a.pos);
      }
    },
  }),
  defineRule({
    id: 'context-index-missing',
    category: 'context',
    severity: 'error',
    title: 'Indexes dropped or renamed exist',
    rationale: 'MySQL fails with "Can\'t DROP; check that column/key exists".',
    fix: 'Check the index name (SHOW INDEX FROM t).',
    examples: [{ bad: 'DROP INDEX idx_nope ON users', good: 'DROP INDEX idx_created_at ON users', live: true }],
    check(stmt, ctx) {
      const names = stmt.kind === 'drop_index' ? [{ name: stmt.name, pos: ctx.statement }] : stmt.kind === 'alter_table' ? stmt.actions.flatMap((a) => (a.op === 'drop_index' ? [{ name: a.name, pos: a.pos }] : a.op === 'rename_index' ? [{ name: a.from, pos: a.pos }] : [])) : [];
      if (!names.length || (stmt.kind !== 'drop_index' && stmt.kind !== 'alter_table')) return;
      const t = ctx.state.get(stmt.table);
      if (!t) return;
      for (const n of names) if (!t.indexes.some((i) => i.name.toLowerCase() === n.name.toLowerCase())) ctx.report({ pos: n.pos, message: `Index \`${n.name}\` does not exist on \`${t.name}\`.` });
    },
  }),
  defineRule({
    id: 'context-large-table-rebuild',
    category: 'context',
    severity: 'warning',
    title: 'Rebuilding or copying a large table is called out with its size',
    rationale: 'The same ALTER takes milliseconds on a small table and hours on a large one; a COPY on a large table is an outage, an INPLACE rebuild needs free space and lags replicas.',
    fix: 'Run it with gh-ost / pt-online-schema-change, in a quiet hour, or find an INSTANT alternative.',
    params: z.object({ warnBytes: z.number().min(0).default(1 * GB), errorBytes: z.number().min(0).default(50 * GB) }),
    examples: [{ bad: 'ALTER TABLE orders CONVERT TO CHARACTER SET utf8mb4', good: 'ALTER TABLE orders ADD COLUMN note varchar(50) NULL', live: true }],
    check(stmt, ctx) {
      const v = ctx.onlineDdl;
      if (!v || (!v.rebuild && v.algorithm !== 'COPY') || (stmt.kind !== 'alter_table' && stmt.kind !== 'create_index')) return;
      const t = ctx.state.get(stmt.table);
      if (!t?.bytes || t.bytes < ctx.params.warnBytes) return;
      const verb = v.algorithm === 'COPY' ? 'copies (and blocks writes to)' : 'rebuilds';
      const rows = t.rows ? `, about ${t.rows.toLocaleString('en-US')} rows` : '';
      ctx.report({
        pos: ctx.statement,
        severity: v.algorithm === 'COPY' && t.bytes >= ctx.params.errorBytes ? 'error' : 'warning',
        message: `This ALTER ${verb} a ${humanBytes(t.bytes)} table (\`${t.name}\`${rows}).`,
      });
    },
  }),
  defineRule({
    id: 'context-view-dependency',
    category: 'context',
    severity: 'error',
    title: 'Tables and columns used by a view are not dropped or renamed',
    rationale: 'The view stays but fails on every query ("references invalid table(s) or column(s)").',
    fix: 'Change or drop the view in the same migration.',
    examples: [{ bad: 'ALTER TABLE users DROP COLUMN email', good: 'ALTER TABLE users DROP COLUMN legacy_code', live: true }],
    check(stmt, ctx) {
      const views = ctx.live?.views ?? [];
      if (!views.length) return;
      const usedBy = (table: string, column?: string): string[] =>
        views
          .filter((v) => (v.tables ? v.tables.some((t) => t.toLowerCase() === table.toLowerCase()) : mentions(v.definition, table)) && (column === undefined || mentions(v.definition, column)))
          .map((v) => v.name);
      const say = (what: string, names: string[], pos: { line: number; column: number }): void => {
        if (names.length) ctx.report({ pos, message: `${what} is used by view${names.length > 1 ? 's' : ''} ${names.map((n) => `\`${n}\``).join(', ')}.` });
      };
      if (stmt.kind === 'drop_table') for (const t of stmt.tables) say(`Table \`${t.name}\``, usedBy(t.name), ctx.statement);
      if (stmt.kind === 'rename_table') for (const p of stmt.pairs) say(`Table \`${p.from.name}\``, usedBy(p.from.name), ctx.statement);
      if (stmt.kind === 'alter_table') {
        for (const a of stmt.actions) {
          if (a.op === 'drop_column') say(`Column \`${stmt.table.name}\`.\`${a.name}\``, usedBy(stmt.table.name, a.name), a.pos);
          if (a.op === 'rename_column') say(`Column \`${stmt.table.name}\`.\`${a.from}\``, usedBy(stmt.table.name, a.from), a.pos);
          if (a.op === 'change_column' && a.from.toLowerCase() !== a.column.name.toLowerCase()) say(`Column \`${stmt.table.name}\`.\`${a.from}\``, usedBy(stmt.table.name, a.from), a.pos);
          if (a.op === 'rename_table') say(`Table \`${stmt.table.name}\``, usedBy(stmt.table.name), a.pos);
        }
      }
    },
  }),
];
