import type { ColumnDef, DefaultValue, IndexKind, StatementModel, TableName, TableOptions } from '../sql/model';
import { columnType, indexColumnNames, tableBytes, tableRows, type LiveSchema, type SnapshotTable } from './snapshot';

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
  collation?: string;
  comment?: string;
  default?: DefaultValue;
  autoIncrement?: boolean;
  onUpdateCurrentTimestamp?: boolean;
  generated?: 'virtual' | 'stored';
}

export interface KnownIndex {
  name: string;
  kind: IndexKind;
  columns: Array<{ name: string; length?: number }>;
  /** Where the index comes from: the live database or a statement earlier in this file. */
  source?: 'snapshot' | 'file';
  /** BTREE / HASH / FULLTEXT / SPATIAL as written or crawled. */
  type?: string;
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
  comment?: string;
  /** Default character set and collation of the table. */
  charset?: string;
  collation?: string;
  engine?: string;
  temporary?: boolean;
  partitioned?: boolean;
}

function snapshotColumn(c: SnapshotTable['columns'][number]): KnownColumn {
  const k: KnownColumn = { name: c.name, ...parseColumnType(columnType(c)) };
  if (c.nullable !== undefined) k.notNull = !c.nullable;
  const extra = snapshotText(c['extra']) ?? '';
  if (/auto_increment/i.test(extra)) k.autoIncrement = true;
  if (/on update/i.test(extra)) k.onUpdateCurrentTimestamp = true;
  if (/virtual/i.test(extra) || c['generated'] === 'VIRTUAL') k.generated = 'virtual';
  if (/stored/i.test(extra) || c['generated'] === 'STORED') k.generated = 'stored';
  const comment = snapshotText(c['comment']);
  if (comment !== undefined) k.comment = comment;
  const charset = snapshotText(c['charset']);
  if (charset) k.charset = charset.toLowerCase();
  const collation = snapshotText(c['collation']);
  if (collation) k.collation = collation.toLowerCase();
  if (typeof c.default === 'string') k.default = /^current_timestamp/i.test(c.default) ? { kind: 'current_timestamp', text: c.default } : { kind: 'literal', text: c.default };
  return k;
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
  if (c.collation) k.collation = c.collation;
  if (c.comment !== undefined) k.comment = c.comment;
  if (c.default) k.default = c.default;
  if (c.autoIncrement) k.autoIncrement = true;
  if (c.onUpdateCurrentTimestamp) k.onUpdateCurrentTimestamp = true;
  if (c.generated) k.generated = c.generated;
  return k;
}

/** `utf8mb4_0900_ai_ci` -> `utf8mb4`. */
export function charsetOfCollation(collation: string | null | undefined): string | undefined {
  return collation ? collation.toLowerCase().split('_')[0] : undefined;
}

function applyOptions(t: KnownTable, o: TableOptions): void {
  if (o.comment !== undefined) t.comment = o.comment;
  if (o.charset) {
    t.charset = o.charset;
    if (!o.collation) delete t.collation;
  }
  if (o.collation) {
    t.collation = o.collation;
    t.charset ??= charsetOfCollation(o.collation);
  }
  if (o.engine) t.engine = o.engine;
  if (o.rowFormat) t.rowFormat = o.rowFormat;
}

function snapshotText(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

const lc = (s: string): string => s.toLowerCase();

function fileIndex(i: { name?: string; kind: IndexKind; columns: Array<{ name: string; length?: number }>; type?: string }): KnownIndex {
  const k: KnownIndex = { name: i.kind === 'primary' ? 'PRIMARY' : (i.name ?? i.columns[0]?.name ?? ''), kind: i.kind, columns: i.columns, source: 'file' };
  if (i.type) k.type = i.type;
  return k;
}

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
        columns: new Map(t.columns.map((c) => [lc(c.name), snapshotColumn(c)])),
        indexes: t.indexes.map((i) => ({
          name: i.name,
          kind: i.primary || lc(i.name) === 'primary' ? 'primary' : i.unique ? 'unique' : lc(i.type ?? '') === 'fulltext' ? 'fulltext' : lc(i.type ?? '') === 'spatial' ? 'spatial' : 'index',
          columns: indexColumnNames(i),
          source: 'snapshot' as const,
          ...(i.type ? { type: i.type.toUpperCase() } : {}),
        })),
        bytes: tableBytes(t),
        source: 'snapshot',
      };
      const comment = snapshotText(t['comment']);
      if (comment !== undefined) table.comment = comment;
      const collation = snapshotText(t['collation']);
      if (collation) {
        table.collation = collation.toLowerCase();
        const cs = charsetOfCollation(collation);
        if (cs) table.charset = cs;
      }
      if (t.engine) table.engine = t.engine;
      if (t['partitioning']) table.partitioned = true;
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
        const indexes: KnownIndex[] = stmt.indexes.map((i) => fileIndex(i));
        const table: KnownTable = {
          name: stmt.table.name,
          columns: new Map(stmt.columns.map((c) => [lc(c.name), knownColumnOf(c)])),
          indexes,
          source: 'file',
        };
        applyOptions(table, stmt.options);
        if (stmt.temporary) table.temporary = true;
        if (stmt.partition) table.partitioned = true;
        this.tables.set(lc(stmt.table.name), table);
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
        if (t) t.indexes.push(fileIndex(stmt.index));
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

  private renameInIndexes(t: KnownTable, from: string, to: string): void {
    t.indexes = t.indexes.map((i) => ({ ...i, columns: i.columns.map((c) => (lc(c.name) === lc(from) ? { ...c, name: to } : c)) }));
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
          // MySQL removes a dropped column from its indexes, and drops an index left without columns.
          t.indexes = t.indexes.map((i) => ({ ...i, columns: i.columns.filter((c) => lc(c.name) !== lc(a.name)) })).filter((i) => i.columns.length > 0);
          break;
        case 'modify_column':
          t.columns.set(lc(a.column.name), knownColumnOf(a.column));
          break;
        case 'change_column':
          t.columns.delete(lc(a.from));
          t.columns.set(lc(a.column.name), knownColumnOf(a.column));
          if (lc(a.from) !== lc(a.column.name)) this.renameInIndexes(t, a.from, a.column.name);
          break;
        case 'rename_column': {
          const c = t.columns.get(lc(a.from));
          t.columns.delete(lc(a.from));
          if (c) t.columns.set(lc(a.to), { ...c, name: a.to });
          this.renameInIndexes(t, a.from, a.to);
          break;
        }
        case 'add_index':
          t.indexes.push(fileIndex(a.index));
          break;
        case 'table_options':
          applyOptions(t, a.options);
          break;
        case 'convert_charset':
          t.charset = a.charset;
          if (a.collation) t.collation = a.collation;
          else delete t.collation;
          for (const c of t.columns.values()) if (c.charset) c.charset = a.charset;
          break;
        case 'partition':
          if (/^PARTITION BY/.test(a.what)) t.partitioned = true;
          if (/^REMOVE/.test(a.what)) t.partitioned = false;
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
