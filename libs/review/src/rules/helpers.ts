import type { AlterTableStmt, ColumnDef, IndexDef, Pos, StatementModel, TableName } from '../sql/model';

/** Columns a statement defines: CREATE TABLE columns and ADD/MODIFY/CHANGE COLUMN in ALTER. */
export function definedColumns(stmt: StatementModel): ColumnDef[] {
  if (stmt.kind === 'create_table') return stmt.columns;
  if (stmt.kind !== 'alter_table') return [];
  const out: ColumnDef[] = [];
  for (const a of stmt.actions) if (a.op === 'add_column' || a.op === 'modify_column' || a.op === 'change_column') out.push(a.column);
  return out;
}

/** Columns a statement adds (CREATE TABLE columns and ADD COLUMN). */
export function newColumns(stmt: StatementModel): ColumnDef[] {
  if (stmt.kind === 'create_table') return stmt.columns;
  if (stmt.kind !== 'alter_table') return [];
  const out: ColumnDef[] = [];
  for (const a of stmt.actions) if (a.op === 'add_column' || a.op === 'change_column') out.push(a.column);
  return out;
}

/** Indexes a statement creates, with the table they belong to. */
export function newIndexes(stmt: StatementModel): IndexDef[] {
  if (stmt.kind === 'create_table') return stmt.indexes;
  if (stmt.kind === 'create_index') return [stmt.index];
  if (stmt.kind !== 'alter_table') return [];
  const out: IndexDef[] = [];
  for (const a of stmt.actions) if (a.op === 'add_index') out.push(a.index);
  return out;
}

/** Table names a statement creates (CREATE TABLE, RENAME targets). */
export function newTableNames(stmt: StatementModel): Array<{ name: TableName; pos?: Pos }> {
  if (stmt.kind === 'create_table') return [{ name: stmt.table }];
  if (stmt.kind === 'rename_table') return stmt.pairs.map((p) => ({ name: p.to }));
  if (stmt.kind === 'alter_table') return stmt.actions.flatMap((a) => (a.op === 'rename_table' ? [{ name: a.to, pos: a.pos }] : []));
  return [];
}

export function targetTable(stmt: StatementModel): TableName | undefined {
  if (stmt.kind === 'create_table' || stmt.kind === 'alter_table' || stmt.kind === 'create_index' || stmt.kind === 'drop_index' || stmt.kind === 'truncate') return stmt.table;
  return undefined;
}

export function isAlter(stmt: StatementModel): stmt is AlterTableStmt {
  return stmt.kind === 'alter_table';
}

/** Columns of a CREATE TABLE by lower-case name. */
export function columnMap(columns: ColumnDef[]): Map<string, ColumnDef> {
  return new Map(columns.map((c) => [c.name.toLowerCase(), c]));
}

export const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
export const TEXT_BLOB_TYPES = new Set(['tinytext', 'text', 'mediumtext', 'longtext', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
export const TIME_TYPES = new Set(['timestamp', 'datetime']);

export function sameColumns(a: Array<{ name: string; length?: number }>, b: Array<{ name: string; length?: number }>): boolean {
  return a.length === b.length && a.every((c, i) => c.name.toLowerCase() === b[i]?.name.toLowerCase() && (c.length ?? 0) === (b[i]?.length ?? 0));
}

/** `a` is a strict left prefix of `b`. */
export function isLeftPrefix(a: Array<{ name: string; length?: number }>, b: Array<{ name: string; length?: number }>): boolean {
  return a.length < b.length && a.every((c, i) => c.name.toLowerCase() === b[i]?.name.toLowerCase() && (c.length ?? 0) === (b[i]?.length ?? 0));
}

export function describeColumns(cols: Array<{ name: string; length?: number }>): string {
  return cols.map((c) => (c.length ? `${c.name}(${c.length})` : c.name)).join(', ');
}

export function humanBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${v >= 10 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** Column names a statement gives (ADD/CHANGE columns and RENAME COLUMN targets), with positions. */
export function newColumnNames(stmt: StatementModel): Array<{ name: string; pos: Pos }> {
  const out = newColumns(stmt).map((c) => ({ name: c.name, pos: c.pos }));
  if (stmt.kind === 'alter_table') for (const a of stmt.actions) if (a.op === 'rename_column') out.push({ name: a.to, pos: a.pos });
  return out;
}

/** RENAME INDEX targets. */
export function renamedIndexes(stmt: StatementModel): Array<{ from: string; to: string; pos: Pos }> {
  if (stmt.kind !== 'alter_table') return [];
  return stmt.actions.flatMap((a) => (a.op === 'rename_index' ? [{ from: a.from, to: a.to, pos: a.pos }] : []));
}
