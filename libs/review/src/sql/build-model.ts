import type { ParserRuleContext, Token } from 'antlr4ng';
import {
  AlterByAddCheckTableConstraintContext,
  AlterByAddColumnContext,
  AlterByAddColumnsContext,
  AlterByAddForeignKeyContext,
  AlterByAddIndexContext,
  AlterByAddPrimaryKeyContext,
  AlterByAddSpecialIndexContext,
  AlterByAddUniqueKeyContext,
  AlterByAlterCheckTableConstraintContext,
  AlterByAlterColumnDefaultContext,
  AlterByChangeColumnContext,
  AlterByConvertCharsetContext,
  AlterByDropColumnContext,
  AlterByDropConstraintCheckContext,
  AlterByDropForeignKeyContext,
  AlterByDropIndexContext,
  AlterByDropPrimaryKeyContext,
  AlterByForceContext,
  AlterByLockContext,
  AlterByModifyColumnContext,
  AlterByRenameColumnContext,
  AlterByRenameContext,
  AlterByRenameIndexContext,
  AlterBySetAlgorithmContext,
  AlterByTableOptionContext,
  AlterOptionContext,
  AlterPartitionContext,
  AlterTableContext,
  AutoIncrementColumnConstraintContext,
  CharsetNameContext,
  CollateColumnConstraintContext,
  CollationNameContext,
  CollectionOptionsContext,
  ColumnConstraintContext,
  ColumnCreateTableContext,
  ColumnDefinitionContext,
  ColumnNameContext,
  ColumnNameCreateContext,
  CommentColumnConstraintContext,
  ConstraintSymbolContext,
  CopyCreateTableContext,
  CreateDefinitionContext,
  CreateDefinitionsContext,
  CreateIndexContext,
  CreateTableContext,
  CreateViewContext,
  CurrentTimestampContext,
  DataTypeContext,
  DecimalLiteralContext,
  DefaultColumnConstraintContext,
  DefaultValueContext,
  DropIndexContext,
  DropTableContext,
  DropViewContext,
  FullIdContext,
  GeneratedColumnConstraintContext,
  IfExistsContext,
  IfNotExistsContext,
  IndexColumnNameContext,
  IndexColumnNamesContext,
  IndexNameContext,
  IndexNameCreateContext,
  LengthOneDimensionContext,
  LengthTwoDimensionContext,
  LengthTwoOptionalDimensionContext,
  NullColumnConstraintContext,
  NullNotNullContext,
  OrReplaceContext,
  PartitionDefinitionContext,
  PartitionDefinitionsContext,
  PartitionFunctionDefinitionContext,
  PrimaryKeyColumnConstraintContext,
  QueryCreateTableContext,
  ReferenceColumnConstraintContext,
  ReferenceDefinitionContext,
  RenameTableClauseContext,
  RenameTableContext,
  SqlStatementContext,
  TableNameContext,
  TableNameCreateContext,
  TableOptionAutoIncrementContext,
  TableOptionCharsetContext,
  TableOptionCollateContext,
  TableOptionCommentContext,
  TableOptionContext,
  TableOptionEngineContext,
  TableOptionKeyBlockSizeContext,
  TableOptionRowFormatContext,
  TruncateTableContext,
  UidContext,
  UniqueKeyColumnConstraintContext,
  ViewNameContext,
  ViewNameCreateContext,
  type ProgramContext,
} from 'dt-sql-parser/dist/lib/mysql/MySqlParser';
import type {
  AlterAction,
  AlterTableStmt,
  ColumnDef,
  ColumnPosition,
  CreateTableStmt,
  DefaultValue,
  ForeignKeyDef,
  IndexColumn,
  IndexDef,
  IndexKind,
  Pos,
  StatementModel,
  TableName,
  TableOptions,
} from './model';
import {
  childOf,
  childrenOf,
  findAll,
  findFirst,
  hasKeyword,
  isRule,
  isTerminal,
  keywords,
  kids,
  sourceText,
  splitQualified,
  unquoteIdentifier,
  unquoteString,
} from './tree';

/** Maps parse-tree tokens of one statement to positions in the file. */
export interface PosMapper {
  (token: Token | null | undefined): Pos;
}

interface Ctx {
  pos: PosMapper;
  input: string;
}

/** Builds the typed model of one parsed statement; unknown statements become `other`. */
export function buildModel(program: ProgramContext, input: string, pos: PosMapper): StatementModel {
  const c: Ctx = { pos, input };
  const stmt = findFirst(program, SqlStatementContext);
  const node = stmt ? deepestSingle(stmt) : undefined;
  if (node instanceof ColumnCreateTableContext || node instanceof CopyCreateTableContext || node instanceof QueryCreateTableContext) {
    return createTable(node, c);
  }
  if (node instanceof AlterTableContext) return alterTable(node, c);
  if (node instanceof CreateIndexContext) return createIndex(node, c);
  if (node instanceof DropIndexContext) {
    const table = tableName(childOf(node, TableNameContext));
    const name = ident(childOf(node, IndexNameContext));
    // DROP INDEX `PRIMARY` is DROP PRIMARY KEY (MySQL maps DROP INDEX to ALTER TABLE).
    if (name.toLowerCase() === 'primary') return { kind: 'alter_table', table, actions: [{ op: 'drop_primary_key', pos: pos(node.start), text: sourceText(node, input) }] };
    return { kind: 'drop_index', table, name };
  }
  if (node instanceof DropTableContext) {
    return {
      kind: 'drop_table',
      tables: findAll(node, TableNameContext).map((t) => tableName(t)),
      ifExists: !!childOf(node, IfExistsContext),
      temporary: hasKeyword(node, 'TEMPORARY'),
    };
  }
  if (node instanceof TruncateTableContext) return { kind: 'truncate', table: tableName(childOf(node, TableNameContext)) };
  if (node instanceof RenameTableContext) {
    return {
      kind: 'rename_table',
      pairs: childrenOf(node, RenameTableClauseContext).map((p) => ({
        from: tableName(childOf(p, TableNameContext)),
        to: tableName(childOf(p, TableNameCreateContext)),
      })),
    };
  }
  if (node instanceof CreateViewContext) {
    const body = input.slice(node.start?.start ?? 0);
    return {
      kind: 'create_view',
      view: tableName(childOf(node, ViewNameCreateContext)),
      orReplace: !!childOf(node, OrReplaceContext),
      selectStar: /\bselect\s+(?:distinct\s+)?(?:[\w`]+\.)?\*/i.test(body),
      tables: dedupeTables(findAll(node, TableNameContext).map((t) => tableName(t))),
    };
  }
  if (node instanceof DropViewContext) return { kind: 'drop_view', views: findAll(node, ViewNameContext).map((v) => tableName(v)) };
  const words = input.trim().split(/\s+/, 3).filter((w) => /^[a-z_]+$/i.test(w));
  return { kind: 'other', keyword: words.slice(0, 2).join(' ').toLowerCase() };
}

/** Walks down single-child wrappers (sqlStatement -> ddlStatement -> createTable). */
function deepestSingle(ctx: ParserRuleContext): ParserRuleContext {
  let cur = ctx;
  for (;;) {
    const list = kids(cur);
    const only = list.length === 1 ? list[0] : undefined;
    if (!isRule(only)) return cur;
    cur = only;
  }
}

function dedupeTables(tables: TableName[]): TableName[] {
  const seen = new Set<string>();
  return tables.filter((t) => {
    const key = `${t.schema ?? ''}.${t.name}`.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function ident(ctx: ParserRuleContext | undefined): string {
  return ctx ? unquoteIdentifier(ctx.getText()) : '';
}

function tableName(ctx: ParserRuleContext | undefined): TableName {
  if (!ctx) return { name: '' };
  const full = ctx instanceof FullIdContext ? ctx : (findFirst(ctx, FullIdContext) ?? ctx);
  const parts = splitQualified(full.getText());
  if (parts.length >= 2) return { schema: parts[0] ?? '', name: parts[parts.length - 1] ?? '' };
  return { name: parts[0] ?? '' };
}

function int(ctx: ParserRuleContext | undefined): number | undefined {
  if (!ctx) return undefined;
  const n = Number.parseInt(ctx.getText(), 10);
  return Number.isFinite(n) ? n : undefined;
}

function createTable(node: CreateTableContext, c: Ctx): CreateTableStmt {
  const stmt: CreateTableStmt = {
    kind: 'create_table',
    table: tableName(childOf(node, TableNameCreateContext)),
    temporary: hasKeyword(node, 'TEMPORARY'),
    ifNotExists: !!childOf(node, IfNotExistsContext),
    columns: [],
    indexes: [],
    foreignKeys: [],
    checks: 0,
    options: tableOptions(childrenOf(node, TableOptionContext), c),
  };
  if (node instanceof CopyCreateTableContext) stmt.copyOf = 'like';
  if (node instanceof QueryCreateTableContext) stmt.copyOf = 'select';
  const defs = childOf(node, CreateDefinitionsContext);
  for (const def of defs ? childrenOf(defs, CreateDefinitionContext) : []) {
    const colName = childOf(def, ColumnNameCreateContext);
    const colDef = childOf(def, ColumnDefinitionContext);
    if (colName && colDef) {
      const col = columnDef(ident(colName), colDef, c, def.start);
      stmt.columns.push(col);
      if (col.inlinePrimaryKey) stmt.indexes.push({ kind: 'primary', columns: [{ name: col.name }], pos: col.pos });
      if (col.inlineUnique) stmt.indexes.push({ kind: 'unique', columns: [{ name: col.name }], pos: col.pos });
      continue;
    }
    const words = keywords(def);
    if (words.includes('CHECK')) {
      stmt.checks += 1;
      continue;
    }
    if (words.includes('FOREIGN')) {
      const fk = foreignKey(def, c);
      if (fk) stmt.foreignKeys.push(fk);
      continue;
    }
    const index = indexDef(def, c);
    if (index) stmt.indexes.push(index);
  }
  const part = childOf(node, PartitionDefinitionsContext);
  if (part) {
    const fn = childOf(part, PartitionFunctionDefinitionContext);
    const declared = int(childOf(part, DecimalLiteralContext));
    const listed = childrenOf(part, PartitionDefinitionContext).length;
    stmt.partition = {
      type: fn ? (keywords(fn).filter((k) => k !== 'LINEAR' && k !== '(' && k !== ')')[0] ?? 'UNKNOWN') : 'UNKNOWN',
      count: listed || declared || 1,
      pos: c.pos(part.start),
    };
  }
  return stmt;
}

function indexKind(words: string[]): IndexKind {
  if (words.includes('PRIMARY')) return 'primary';
  if (words.includes('UNIQUE')) return 'unique';
  if (words.includes('FULLTEXT')) return 'fulltext';
  if (words.includes('SPATIAL')) return 'spatial';
  return 'index';
}

function indexColumns(ctx: IndexColumnNamesContext | undefined): IndexColumn[] {
  if (!ctx) return [];
  return childrenOf(ctx, IndexColumnNameContext).map((col) => {
    const uid = childOf(col, UidContext);
    const out: IndexColumn = { name: uid ? ident(uid) : unquoteString(col.getText()) };
    if (!uid && kids(col).some((k) => isTerminal(k) && k.getText() === '(')) {
      out.expression = true;
      out.name = col.getText();
    }
    const len = int(childOf(col, DecimalLiteralContext));
    if (len !== undefined) out.length = len;
    return out;
  });
}

function indexDef(ctx: ParserRuleContext, c: Ctx): IndexDef | undefined {
  const cols = childOf(ctx, IndexColumnNamesContext);
  if (!cols) return undefined;
  const words = keywords(ctx);
  const index: IndexDef = { kind: indexKind(words), columns: indexColumns(cols), pos: c.pos(ctx.start) };
  const using = /\bUSING\s+(BTREE|HASH)\b/i.exec(sourceText(ctx, c.input))?.[1];
  if (using) index.type = using.toUpperCase();
  const name = childOf(ctx, IndexNameContext) ?? childOf(ctx, IndexNameCreateContext);
  const symbol = childOf(ctx, ConstraintSymbolContext);
  if (name) index.name = ident(name);
  else if (symbol && childOf(symbol, UidContext)) index.name = ident(childOf(symbol, UidContext));
  return index;
}

function foreignKey(ctx: ParserRuleContext, c: Ctx): ForeignKeyDef | undefined {
  const ref = childOf(ctx, ReferenceDefinitionContext);
  if (!ref) return undefined;
  const symbol = childOf(ctx, ConstraintSymbolContext);
  const symbolUid = symbol ? childOf(symbol, UidContext) : childOf(ctx, UidContext);
  const fk: ForeignKeyDef = {
    columns: indexColumns(childOf(ctx, IndexColumnNamesContext)).map((x) => x.name),
    refTable: tableName(childOf(ref, TableNameContext)),
    refColumns: indexColumns(childOf(ref, IndexColumnNamesContext)).map((x) => x.name),
    pos: c.pos(ctx.start),
  };
  const name = childOf(ctx, IndexNameContext);
  if (symbolUid) fk.name = ident(symbolUid);
  else if (name) fk.name = ident(name);
  return fk;
}

function tableOptions(options: TableOptionContext[], c: Ctx): TableOptions {
  const out: TableOptions = { other: [] };
  for (const o of options) {
    if (o instanceof TableOptionEngineContext) out.engine = o.getText().replace(/^engine=?/i, '').replace(/^['"`]|['"`]$/g, '');
    else if (o instanceof TableOptionCharsetContext) out.charset = charsetName(childOf(o, CharsetNameContext));
    else if (o instanceof TableOptionCollateContext) out.collation = ident(childOf(o, CollationNameContext)).toLowerCase();
    else if (o instanceof TableOptionCommentContext) {
      const lit = kids(o).find((k) => isTerminal(k) && /^['"]/.test(k.getText()));
      out.comment = lit ? unquoteString(lit.getText()) : '';
    } else if (o instanceof TableOptionRowFormatContext) out.rowFormat = (kids(o).at(-1)?.getText() ?? '').toUpperCase();
    else if (o instanceof TableOptionAutoIncrementContext) {
      out.autoIncrement = true;
      const n = /(\d+)\s*$/.exec(o.getText())?.[1];
      if (n) out.autoIncrementValue = Number(n);
    }
    else if (o instanceof TableOptionKeyBlockSizeContext) out.keyBlockSize = true;
    else out.other.push(sourceText(o, c.input));
  }
  return out;
}

function charsetName(ctx: ParserRuleContext | undefined): string {
  return ctx ? unquoteString(unquoteIdentifier(ctx.getText())).toLowerCase() : '';
}

function defaultValue(ctx: DefaultValueContext, c: Ctx): DefaultValue {
  const text = sourceText(ctx, c.input).replace(/\s+ON\s+UPDATE[\s\S]*$/i, '').trim();
  const first = kids(ctx)[0];
  if (first instanceof CurrentTimestampContext) return { kind: 'current_timestamp', text };
  if (/^null$/i.test(text)) return { kind: 'null' };
  if (/^\(/.test(text)) return { kind: 'expression', text };
  if (/^(?:_[a-z0-9]+|n)?'/i.test(text) || /^"/.test(text)) return { kind: 'literal', text: unquoteString(text) };
  return { kind: 'literal', text };
}

export function columnDef(name: string, def: ColumnDefinitionContext, c: Ctx, at: Token | null): ColumnDef {
  const dt = childOf(def, DataTypeContext);
  const dtWords = dt ? keywords(dt) : [];
  const col: ColumnDef = {
    name,
    pos: c.pos(at ?? def.start),
    type: (dtWords[0] ?? '').toLowerCase(),
    // ZEROFILL implies UNSIGNED.
    unsigned: dtWords.includes('UNSIGNED') || dtWords.includes('ZEROFILL'),
    zerofill: dtWords.includes('ZEROFILL'),
    onUpdateCurrentTimestamp: false,
    autoIncrement: false,
    inlinePrimaryKey: false,
    inlineUnique: false,
  };
  // SERIAL is BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE.
  if (col.type === 'serial') {
    Object.assign(col, { type: 'bigint', unsigned: true, notNull: true, autoIncrement: true, inlineUnique: true });
  }
  if (col.type === 'character' || col.type === 'char') col.type = dtWords.includes('VARYING') ? 'varchar' : 'char';
  if (col.type === 'double' && dtWords.includes('PRECISION')) col.type = 'double';
  if (col.type === 'long') col.type = dtWords.includes('VARBINARY') ? 'mediumblob' : 'mediumtext';
  if (col.type === 'national' || col.type === 'nchar' || col.type === 'nvarchar') col.type = dtWords.includes('VARCHAR') || col.type === 'nvarchar' ? 'varchar' : 'char';
  if (dt) {
    const one = childOf(dt, LengthOneDimensionContext);
    const two = childOf(dt, LengthTwoDimensionContext) ?? childOf(dt, LengthTwoOptionalDimensionContext);
    const dims = one ?? two;
    if (dims) {
      const nums = childrenOf(dims, DecimalLiteralContext).map((d) => Number.parseInt(d.getText(), 10));
      if (nums[0] !== undefined) col.length = nums[0];
      if (nums[1] !== undefined) col.scale = nums[1];
    }
    const coll = childOf(dt, CollectionOptionsContext);
    if (coll) col.values = kids(coll).filter((k) => isTerminal(k) && /^['"]/.test(k.getText())).map((k) => unquoteString(k.getText()));
    const cs = childOf(dt, CharsetNameContext);
    if (cs) col.charset = charsetName(cs);
    const dtColl = childOf(dt, CollationNameContext);
    if (dtColl) col.collation = ident(dtColl).toLowerCase();
  }
  for (const k of childrenOf(def, ColumnConstraintContext)) {
    if (k instanceof NullColumnConstraintContext) {
      const nn = childOf(k, NullNotNullContext);
      col.notNull = !!nn && hasKeyword(nn, 'NOT');
    } else if (k instanceof DefaultColumnConstraintContext) {
      const dv = childOf(k, DefaultValueContext);
      if (dv) {
        col.default = defaultValue(dv, c);
        if (hasKeyword(dv, 'UPDATE')) col.onUpdateCurrentTimestamp = true;
      }
    } else if (k instanceof AutoIncrementColumnConstraintContext) {
      if (hasKeyword(k, 'AUTO_INCREMENT')) col.autoIncrement = true;
      if (hasKeyword(k, 'UPDATE')) col.onUpdateCurrentTimestamp = true;
    } else if (k instanceof PrimaryKeyColumnConstraintContext) col.inlinePrimaryKey = true;
    else if (k instanceof UniqueKeyColumnConstraintContext) col.inlineUnique = true;
    else if (k instanceof CommentColumnConstraintContext) {
      const lit = kids(k).find((x) => isTerminal(x) && /^['"]/.test(x.getText()));
      col.comment = lit ? unquoteString(lit.getText()) : '';
    } else if (k instanceof CollateColumnConstraintContext) col.collation = ident(childOf(k, CollationNameContext)).toLowerCase();
    else if (k instanceof GeneratedColumnConstraintContext) col.generated = hasKeyword(k, 'STORED') || hasKeyword(k, 'PERSISTENT') ? 'stored' : 'virtual';
    else if (k instanceof ReferenceColumnConstraintContext) {
      const ref = childOf(k, ReferenceDefinitionContext);
      if (ref) col.inlineReference = { table: tableName(childOf(ref, TableNameContext)), columns: indexColumns(childOf(ref, IndexColumnNamesContext)).map((x) => x.name) };
    }
  }
  return col;
}

function position(ctx: ParserRuleContext): ColumnPosition | undefined {
  if (hasKeyword(ctx, 'FIRST')) return { first: true };
  if (hasKeyword(ctx, 'AFTER')) {
    const names = childrenOf(ctx, ColumnNameContext);
    const last = names.at(-1);
    if (last) return { after: ident(last) };
  }
  return undefined;
}

function withPosition<T extends object>(action: T, pos: ColumnPosition | undefined): T {
  return pos ? { ...action, position: pos } : action;
}

function alterTable(node: AlterTableContext, c: Ctx): AlterTableStmt {
  const stmt: AlterTableStmt = { kind: 'alter_table', table: tableName(childOf(node, TableNameContext)), actions: [] };
  for (const o of childrenOf(node, AlterOptionContext)) {
    const base = { pos: c.pos(o.start), text: sourceText(o, c.input) };
    const push = (a: AlterAction): void => {
      stmt.actions.push(a);
    };
    if (o instanceof AlterByAddColumnContext) {
      const name = childOf(o, ColumnNameContext);
      const def = childOf(o, ColumnDefinitionContext);
      if (def) push(withPosition({ ...base, op: 'add_column', column: columnDef(ident(name), def, c, o.start) }, position(o)));
    } else if (o instanceof AlterByAddColumnsContext) {
      const names = childrenOf(o, ColumnNameContext);
      childrenOf(o, ColumnDefinitionContext).forEach((def, i) => push({ ...base, op: 'add_column', column: columnDef(ident(names[i]), def, c, names[i]?.start ?? o.start) }));
    } else if (o instanceof AlterByDropColumnContext) push({ ...base, op: 'drop_column', name: ident(childOf(o, ColumnNameContext)) });
    else if (o instanceof AlterByModifyColumnContext) {
      const names = childrenOf(o, ColumnNameContext);
      const def = childOf(o, ColumnDefinitionContext);
      if (def) push(withPosition({ ...base, op: 'modify_column', column: columnDef(ident(names[0]), def, c, o.start) }, position(o)));
    } else if (o instanceof AlterByChangeColumnContext) {
      const from = ident(childOf(o, ColumnNameContext));
      const def = childOf(o, ColumnDefinitionContext);
      if (def) push(withPosition({ ...base, op: 'change_column', from, column: columnDef(ident(childOf(o, ColumnNameCreateContext)), def, c, o.start) }, position(o)));
    } else if (o instanceof AlterByRenameColumnContext) {
      push({ ...base, op: 'rename_column', from: ident(childOf(o, ColumnNameContext)), to: ident(childOf(o, ColumnNameCreateContext)) });
    } else if (o instanceof AlterByAlterColumnDefaultContext) {
      push({ ...base, op: 'alter_default', column: ident(childOf(o, ColumnNameContext)), drop: hasKeyword(o, 'DROP') });
    } else if (o instanceof AlterByAddIndexContext || o instanceof AlterByAddUniqueKeyContext || o instanceof AlterByAddSpecialIndexContext || o instanceof AlterByAddPrimaryKeyContext) {
      const index = indexDef(o, c);
      if (index) push({ ...base, op: 'add_index', index });
    } else if (o instanceof AlterByDropIndexContext) {
      const name = ident(childOf(o, IndexNameContext));
      push(name.toLowerCase() === 'primary' ? { ...base, op: 'drop_primary_key' } : { ...base, op: 'drop_index', name });
    }
    else if (o instanceof AlterByRenameIndexContext) {
      push({ ...base, op: 'rename_index', from: ident(childOf(o, IndexNameContext)), to: ident(childOf(o, IndexNameCreateContext)) });
    } else if (o instanceof AlterByDropPrimaryKeyContext) push({ ...base, op: 'drop_primary_key' });
    else if (o instanceof AlterByAddForeignKeyContext) {
      const fk = foreignKey(o, c);
      if (fk) push({ ...base, op: 'add_foreign_key', fk });
    } else if (o instanceof AlterByDropForeignKeyContext) push({ ...base, op: 'drop_foreign_key', name: ident(findFirst(o, UidContext)) });
    else if (o instanceof AlterByConvertCharsetContext) {
      const coll = childOf(o, CollationNameContext);
      push({ ...base, op: 'convert_charset', charset: charsetName(childOf(o, CharsetNameContext)), ...(coll ? { collation: ident(coll).toLowerCase() } : {}) });
    } else if (o instanceof AlterByTableOptionContext) push({ ...base, op: 'table_options', options: tableOptions(childrenOf(o, TableOptionContext), c) });
    else if (o instanceof AlterByForceContext) push({ ...base, op: 'force' });
    else if (o instanceof AlterByRenameContext) {
      push({ ...base, op: 'rename_table', to: tableName(childOf(o, TableNameCreateContext) ?? findFirst(o, FullIdContext)) });
    } else if (o instanceof AlterBySetAlgorithmContext) {
      const value = (kids(o).at(-1)?.getText() ?? '').toUpperCase();
      stmt.algorithm = value;
      push({ ...base, op: 'algorithm', value });
    } else if (o instanceof AlterByLockContext) {
      const value = (kids(o).at(-1)?.getText() ?? '').toUpperCase();
      stmt.lock = value;
      push({ ...base, op: 'lock', value });
    } else if (o instanceof AlterPartitionContext) {
      push({ ...base, op: 'partition', what: keywords(kids(o)[0] as ParserRuleContext).slice(0, 2).join(' ') });
    } else if (o instanceof AlterByAddCheckTableConstraintContext || o instanceof AlterByDropConstraintCheckContext || o instanceof AlterByAlterCheckTableConstraintContext) {
      push({ ...base, op: 'check_constraint' });
    } else push({ ...base, op: 'other' });
  }
  return stmt;
}

function createIndex(node: CreateIndexContext, c: Ctx): StatementModel {
  const index: IndexDef = {
    kind: indexKind(keywords(node)),
    columns: indexColumns(childOf(node, IndexColumnNamesContext)),
    pos: c.pos(node.start),
    name: ident(childOf(node, IndexNameCreateContext)),
  };
  const out: StatementModel = { kind: 'create_index', table: tableName(childOf(node, TableNameContext)), index };
  const tail = sourceText(node, c.input);
  const using = /\bUSING\s+(BTREE|HASH)\b/i.exec(tail)?.[1];
  if (using) index.type = using.toUpperCase();
  const algorithm = /\bALGORITHM\s*=?\s*(\w+)/i.exec(tail)?.[1];
  const lock = /\bLOCK\s*=?\s*(\w+)/i.exec(tail)?.[1];
  if (algorithm) out.algorithm = algorithm.toUpperCase();
  if (lock) out.lock = lock.toUpperCase();
  return out;
}
