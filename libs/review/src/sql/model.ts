/** A typed view of the DDL the rules read; built from dt-sql-parser's parse tree. */

/** 1-based line and column in the reviewed file. */
export interface Pos {
  line: number;
  column: number;
}

export interface TableName {
  schema?: string;
  name: string;
}

export type DefaultValue =
  | { kind: 'null' }
  | { kind: 'literal'; text: string }
  | { kind: 'current_timestamp'; text: string }
  | { kind: 'expression'; text: string };

export interface ColumnDef {
  name: string;
  pos: Pos;
  /** Lower-case base type: `int`, `varchar`, `decimal`, `enum`, ... */
  type: string;
  /** First dimension: `varchar(255)`, `int(11)`, `decimal(10,2)` -> 10. */
  length?: number;
  /** Second dimension: `decimal(10,2)` -> 2. */
  scale?: number;
  unsigned: boolean;
  zerofill: boolean;
  /** ENUM / SET members. */
  values?: string[];
  charset?: string;
  collation?: string;
  /** undefined when the DDL says neither NULL nor NOT NULL (MySQL: nullable). */
  notNull?: boolean;
  default?: DefaultValue;
  onUpdateCurrentTimestamp: boolean;
  autoIncrement: boolean;
  comment?: string;
  generated?: 'virtual' | 'stored';
  inlinePrimaryKey: boolean;
  inlineUnique: boolean;
  inlineReference?: { table: TableName; columns: string[] };
}

export interface IndexColumn {
  name: string;
  /** Prefix length: `name(10)`. */
  length?: number;
  /** A functional key part `((expr))`. */
  expression?: boolean;
}

export type IndexKind = 'primary' | 'unique' | 'index' | 'fulltext' | 'spatial';

export interface IndexDef {
  name?: string;
  kind: IndexKind;
  columns: IndexColumn[];
  pos: Pos;
  /** `USING BTREE|HASH`, upper-case, when written. */
  type?: string;
}

export interface ForeignKeyDef {
  name?: string;
  columns: string[];
  refTable: TableName;
  refColumns: string[];
  pos: Pos;
}

export interface TableOptions {
  engine?: string;
  charset?: string;
  collation?: string;
  comment?: string;
  rowFormat?: string;
  autoIncrement?: boolean;
  /** The `AUTO_INCREMENT = n` value. */
  autoIncrementValue?: number;
  keyBlockSize?: boolean;
  other: string[];
}

export interface PartitionDef {
  type: string;
  count: number;
  pos: Pos;
}

export interface CreateTableStmt {
  kind: 'create_table';
  table: TableName;
  temporary: boolean;
  ifNotExists: boolean;
  /** CREATE TABLE ... LIKE / AS SELECT: no column list to review. */
  copyOf?: 'like' | 'select';
  columns: ColumnDef[];
  indexes: IndexDef[];
  foreignKeys: ForeignKeyDef[];
  checks: number;
  options: TableOptions;
  partition?: PartitionDef;
}

export type ColumnPosition = { first: true } | { after: string };

interface ActionBase {
  pos: Pos;
  text: string;
}

export type AlterAction = ActionBase &
  (
    | { op: 'add_column'; column: ColumnDef; position?: ColumnPosition }
    | { op: 'drop_column'; name: string }
    | { op: 'modify_column'; column: ColumnDef; position?: ColumnPosition }
    | { op: 'change_column'; from: string; column: ColumnDef; position?: ColumnPosition }
    | { op: 'rename_column'; from: string; to: string }
    | { op: 'alter_default'; column: string; drop: boolean }
    | { op: 'add_index'; index: IndexDef }
    | { op: 'drop_index'; name: string }
    | { op: 'rename_index'; from: string; to: string }
    | { op: 'drop_primary_key' }
    | { op: 'add_foreign_key'; fk: ForeignKeyDef }
    | { op: 'drop_foreign_key'; name: string }
    | { op: 'convert_charset'; charset: string; collation?: string }
    | { op: 'table_options'; options: TableOptions }
    | { op: 'force' }
    | { op: 'rename_table'; to: TableName }
    | { op: 'algorithm'; value: string }
    | { op: 'lock'; value: string }
    | { op: 'partition'; what: string }
    | { op: 'check_constraint' }
    | { op: 'other' }
  );

export interface AlterTableStmt {
  kind: 'alter_table';
  table: TableName;
  actions: AlterAction[];
  algorithm?: string;
  lock?: string;
}

export interface CreateIndexStmt {
  kind: 'create_index';
  table: TableName;
  index: IndexDef;
  algorithm?: string;
  lock?: string;
}

export interface DropIndexStmt {
  kind: 'drop_index';
  table: TableName;
  name: string;
}

export interface DropTableStmt {
  kind: 'drop_table';
  tables: TableName[];
  ifExists: boolean;
  temporary: boolean;
}

export interface TruncateStmt {
  kind: 'truncate';
  table: TableName;
}

export interface RenameTableStmt {
  kind: 'rename_table';
  pairs: Array<{ from: TableName; to: TableName }>;
}

export interface CreateViewStmt {
  kind: 'create_view';
  view: TableName;
  orReplace: boolean;
  selectStar: boolean;
  tables: TableName[];
}

export interface DropViewStmt {
  kind: 'drop_view';
  views: TableName[];
}

export interface OtherStmt {
  kind: 'other';
  /** Lower-case first words, e.g. `create trigger`, `insert`, `select`. */
  keyword: string;
}

export type StatementModel =
  | CreateTableStmt
  | AlterTableStmt
  | CreateIndexStmt
  | DropIndexStmt
  | DropTableStmt
  | TruncateStmt
  | RenameTableStmt
  | CreateViewStmt
  | DropViewStmt
  | OtherStmt;

export function tableKey(t: TableName): string {
  return (t.schema ? `${t.schema}.${t.name}` : t.name).toLowerCase();
}

export function showTable(t: TableName): string {
  return t.schema ? `\`${t.schema}\`.\`${t.name}\`` : `\`${t.name}\``;
}
