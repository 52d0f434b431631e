import type { ColumnDef, IndexKind, StatementModel, TableName } from '../sql/model';
import { columnType, indexColumnNames, tableBytes, tableRows, type LiveSchema } from './snapshot';

/** What the reviewer knows of a column: from the snapshot or from earlier DDL in the file. */
export interface KnownColumn {
  name: string;
  type: string;
  length?: number;
  scale?: number;
  unsigned: boolean;
  notNull?: boolean;
  values?: string[];
  charset?: string;
}

export interface KnownIndex {
  name: string;
  kind: IndexKind;
  columns: Array<{ name: string; length?: number }>;
}

export interface KnownTable {
  name: string;
  columns: Map<string, KnownColumn>;
  indexes: KnownIndex[];
  /** Data + index bytes and rows, from the snapshot. */
  bytes?: number;
  rows?: number;
  rowFormat?: string;
  source: 'snapshot' | 'file';
}

/** `varchar(255)`, `bigint(20) unsigned`, `enum('a','b')`, `decimal(10,2)` -> parts. */
export function parseColumnType(text: string): Omit<KnownColumn, 'name' | 'notNull'> {
  const t = text.trim().toLowerCase();
  const m = /^([a-z]+)\s*(?:\(([^)]*)\))?/.exec(t);
  const out: Omit<KnownColumn, 'name' | 'notNull'> = { type: m?.[1] ?? t, unsigned: /\bunsigned\b/.test(t) };
  const inner = m?.[2];
  if (inner !== undefined) {
    if (out.type === 'enum' || out.type === 'set') out.values = [...inner.matchAll(/'((?:[^']|'')*)'/g)].map((x) => (x[1] ?? '').replaceAll("''", "'"));
    else {
      const [a, b] = inner.split(',').map((x) => Number.parseInt(x, 10));
      if (a !== undefined && Number.isFinite(a)) out.length = a;
      if (b !== undefined && Number.isFinite(b)) out.scale = b;
    }
  }
  return out;
}

export function knownColumnOf(c: ColumnDef): KnownColumn {
  const k: KnownColumn = { name: c.name, type: c.type, unsigned: c.unsigned };
  if (c.length !== undefined) k.length = c.length;
  if (c.scale !== undefined) k.scale = c.scale;
  if (c.notNull !== undefined) k.notNull = c.notNull;
  if (c.values) k.values = c.values;
  if (c.charset) k.charset = c.charset;
  return k;
}

const lc = (s: string): string => s.toLowerCase();

/**
 * The tables as they stand before each statement: the snapshot, then every statement of the
 * file applied in order, so `ALTER` after `CREATE` in one migration is checked against it.
 */
export class SchemaState {
  readonly tables = new Map<string, KnownTable>();

  constructor(live?: LiveSchema) {
    if (!live) return;
    for (const t of live.tables.values()) {
      const table: KnownTable = {
        name: t.name,
        columns: new Map(t.columns.map((c) => [lc(c.name), { name: c.name, ...parseColumnType(columnType(c)), ...(c.nullable === undefined ? {} : { notNull: !c.nullable }) }])),
        indexes: t.indexes.map((i) => ({
          name: i.name,
          kind: i.primary || lc(i.name) === 'primary' ? 'primary' : i.unique ? 'unique' : lc(i.type ?? '') === 'fulltext' ? 'fulltext' : lc(i.type ?? '') === 'spatial' ? 'spatial' : 'index',
          columns: indexColumnNames(i),
        })),
        bytes: tableBytes(t),
        source: 'snapshot',
      };
      const rows = tableRows(t);
      if (rows != null) table.rows = rows;
      if (t.rowFormat) table.rowFormat = t.rowFormat;
      this.tables.set(lc(t.name), table);
    }
  }

  get(name: TableName): KnownTable | undefined {
    return this.tables.get(lc(name.name));
  }

  apply(stmt: StatementModel): void {
    switch (stmt.kind) {
      case 'create_table': {
        if (stmt.copyOf || (stmt.ifNotExists && this.get(stmt.table))) return;
        const indexes: KnownIndex[] = stmt.indexes.map((i) => ({ name: i.kind === 'primary' ? 'PRIMARY' : (i.name ?? i.columns[0]?.name ?? ''), kind: i.kind, columns: i.columns }));
        this.tables.set(lc(stmt.table.name), {
          name: stmt.table.name,
          columns: new Map(stmt.columns.map((c) => [lc(c.name), knownColumnOf(c)])),
          indexes,
          source: 'file',
        });
        return;
      }
      case 'drop_table':
        for (const t of stmt.tables) this.tables.delete(lc(t.name));
        return;
      case 'rename_table':
        for (const p of stmt.pairs) this.rename(p.from, p.to);
        return;
      case 'create_index': {
        const t = this.get(stmt.table);
        if (t) t.indexes.push({ name: stmt.index.name ?? '', kind: stmt.index.kind, columns: stmt.index.columns });
        return;
      }
      case 'drop_index': {
        const t = this.get(stmt.table);
        if (t) t.indexes = t.indexes.filter((i) => lc(i.name) !== lc(stmt.name));
        return;
      }
      case 'alter_table':
        this.applyAlter(stmt);
        return;
      default:
        return;
    }
  }

  private rename(from: TableName, to: TableName): void {
    const t = this.get(from);
    if (!t) return;
    this.tables.delete(lc(from.name));
    this.tables.set(lc(to.name), { ...t, name: to.name });
  }

  private applyAlter(stmt: Extract<StatementModel, { kind: 'alter_table' }>): void {
    const t = this.get(stmt.table);
    if (!t) return;
    for (const a of stmt.actions) {
      switch (a.op) {
        case 'add_column':
          t.columns.set(lc(a.column.name), knownColumnOf(a.column));
          break;
        case 'drop_column':
          t.columns.delete(lc(a.name));
          break;
        case 'modify_column':
          t.columns.set(lc(a.column.name), knownColumnOf(a.column));
          break;
        case 'change_column':
          t.columns.delete(lc(a.from));
          t.columns.set(lc(a.column.name), knownColumnOf(a.column));
          break;
        case 'rename_column': {
          const c = t.columns.get(lc(a.from));
          t.columns.delete(lc(a.from));
          if (c) t.columns.set(lc(a.to), { ...c, name: a.to });
          break;
        }
        case 'add_index':
          t.indexes.push({ name: a.index.kind === 'primary' ? 'PRIMARY' : (a.index.name ?? ''), kind: a.index.kind, columns: a.index.columns });
          break;
        case 'drop_index':
          t.indexes = t.indexes.filter((i) => lc(i.name) !== lc(a.name));
          break;
        case 'drop_primary_key':
          t.indexes = t.indexes.filter((i) => i.kind !== 'primary');
          break;
        case 'rename_index':
          for (const i of t.indexes) if (lc(i.name) === lc(a.from)) i.name = a.to;
          break;
        case 'rename_table':
          this.rename(stmt.table, a.to);
          break;
        default:
          break;
      }
    }
  }
}
