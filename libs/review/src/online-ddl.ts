import type { KnownColumn, KnownTable } from './context/schema-state';
import { knownColumnOf } from './context/schema-state';
import type { AlterAction, AlterTableStmt, ColumnDef, CreateIndexStmt, IndexDef } from './sql/model';
import type { Dialect } from './rules/types';

/**
 * How MySQL 8.0 (Aurora MySQL 3) runs each ALTER clause, following the manual's online DDL
 * tables (docs in /work/shared/MYSQL-ONLINE-DDL.md). The worst clause decides the statement.
 */
export type Algorithm = 'INSTANT' | 'INPLACE' | 'COPY';
export type LockLevel = 'NONE' | 'SHARED' | 'EXCLUSIVE';

export interface ClauseVerdict {
  clause: string;
  algorithm: Algorithm;
  lock: LockLevel;
  rebuild: boolean;
  reason: string;
}

export interface OnlineDdlVerdict {
  algorithm: Algorithm;
  lock: LockLevel;
  rebuild: boolean;
  clauses: ClauseVerdict[];
  /** `ALGORITHM=..., LOCK=...` to add, or undefined for COPY. */
  suggestion?: string;
  /** With a snapshot: the table's size and, for a rebuild or copy, an estimated duration. */
  table?: { name: string; rows?: number; bytes: number; estimatedSeconds?: number };
}

export interface OnlineDdlOptions {
  dialect: Dialect;
  /** MySQL 8.0 minor: INSTANT ADD/DROP COLUMN anywhere needs 29, RENAME COLUMN 28. */
  mysqlMinor: number;
  /** The table as it stands, when known (snapshot or earlier DDL). */
  table?: KnownTable;
}

const ALG_RANK: Record<Algorithm, number> = { INSTANT: 0, INPLACE: 1, COPY: 2 };
const LOCK_RANK: Record<LockLevel, number> = { NONE: 0, SHARED: 1, EXCLUSIVE: 2 };

function v(clause: string, algorithm: Algorithm, lock: LockLevel, rebuild: boolean, reason: string): ClauseVerdict {
  return { clause, algorithm, lock, rebuild, reason };
}

/** Bytes per character for VARCHAR length-prefix arithmetic. */
function charBytes(charset: string | undefined): number {
  if (!charset) return 4;
  if (/^(latin1|ascii|binary)$/.test(charset)) return 1;
  if (/^utf8(mb3)?$/.test(charset)) return 3;
  return 4;
}

const INT_SIZES: Record<string, number> = { tinyint: 1, smallint: 2, mediumint: 3, int: 4, integer: 4, bigint: 8 };

function instantOk(opts: OnlineDdlOptions): string | undefined {
  if (opts.dialect === 'mysql57') return 'MySQL 5.7 has no ALGORITHM=INSTANT';
  const t = opts.table;
  if (t?.rowFormat && /compressed/i.test(t.rowFormat)) return 'INSTANT is not available on ROW_FORMAT=COMPRESSED tables';
  if (t?.indexes.some((i) => i.kind === 'fulltext')) return 'INSTANT is not available on tables with a FULLTEXT index';
  if (t?.temporary) return 'INSTANT is not available on temporary tables';
  return undefined;
}

/** INSTANT when allowed, otherwise the INPLACE fallback with a rebuild. */
function instantOr(clause: string, opts: OnlineDdlOptions, minMinor: number, why: string, fallbackRebuild = true): ClauseVerdict {
  const blocked = instantOk(opts) ?? (opts.dialect === 'mysql80' && opts.mysqlMinor < minMinor ? `INSTANT needs MySQL 8.0.${minMinor}+` : undefined);
  if (!blocked) return v(clause, 'INSTANT', 'NONE', false, why);
  return v(clause, 'INPLACE', 'NONE', fallbackRebuild, `${blocked}; INPLACE${fallbackRebuild ? ' with a table rebuild' : ''}`);
}

function addIndexVerdict(clause: string, index: IndexDef, opts: OnlineDdlOptions, stmt?: AlterTableStmt): ClauseVerdict {
  switch (index.kind) {
    case 'primary': {
      // Columns defined in the same ALTER count as they will be; otherwise as the table has them.
      const inStmt = new Map((stmt?.actions ?? []).flatMap((a) => (a.op === 'add_column' || a.op === 'modify_column' || a.op === 'change_column' ? [[a.column.name.toLowerCase(), a.column] as const] : [])));
      const nullable = index.columns.filter((c) => {
        const here = inStmt.get(c.name.toLowerCase());
        if (here) return !here.notNull && !here.inlinePrimaryKey;
        const known = opts.table?.columns.get(c.name.toLowerCase());
        return known !== undefined && !known.notNull;
      });
      if (nullable.length) return v(clause, 'COPY', 'SHARED', true, `ADD PRIMARY KEY on nullable ${nullable.map((c) => c.name).join(', ')} must make ${nullable.length > 1 ? 'them' : 'it'} NOT NULL, which copies the table`);
      return v(clause, 'INPLACE', 'NONE', true, 'ADD PRIMARY KEY rebuilds the table in place (COPY if its columns must become NOT NULL)');
    }
    case 'fulltext': {
      const first = !opts.table?.indexes.some((i) => i.kind === 'fulltext');
      return v(clause, 'INPLACE', 'SHARED', first, `a FULLTEXT index blocks writes (LOCK=SHARED)${first ? '; the first one rebuilds the table' : ''}`);
    }
    case 'spatial':
      return v(clause, 'INPLACE', 'SHARED', false, 'a SPATIAL index blocks writes (LOCK=SHARED)');
    default:
      return v(clause, 'INPLACE', 'NONE', false, 'secondary indexes are built in place with concurrent DML');
  }
}

function columnChange(clause: string, old: KnownColumn | undefined, next: ColumnDef, renamed: boolean, moved: boolean, opts: OnlineDdlOptions): ClauseVerdict {
  if (!old) return v(clause, 'COPY', 'SHARED', true, 'the current definition is unknown (no snapshot), so a data type change and a table copy are assumed');
  const n = knownColumnOf(next);
  const sameType = old.type === n.type || (INT_SIZES[old.type] !== undefined && INT_SIZES[old.type] === INT_SIZES[n.type]);
  if (sameType && old.unsigned === n.unsigned && (old.values === undefined || n.values === undefined)) {
    const sameLen = (old.length ?? -1) === (n.length ?? -1) || INT_SIZES[n.type] !== undefined;
    if (sameLen && (old.scale ?? -1) === (n.scale ?? -1)) {
      if ((old.notNull ?? false) !== (n.notNull ?? false)) return v(clause, 'INPLACE', 'NONE', true, 'changing NULL/NOT NULL rebuilds the table in place');
      if (moved) return v(clause, 'INPLACE', 'NONE', true, 'reordering columns rebuilds the table in place');
      if (renamed) return instantOr(clause, opts, 28, 'renaming a column is metadata only', false);
      return instantOr(clause, opts, 0, 'no change to the stored data', false);
    }
    if (n.type === 'varchar' && old.length !== undefined && n.length !== undefined) {
      if (n.length < old.length) return v(clause, 'COPY', 'SHARED', true, 'shrinking a VARCHAR copies the table');
      // The column's own charset, else the table's default (a latin1 table's VARCHAR is 1 byte a character).
      const b = charBytes(n.charset ?? old.charset ?? opts.table?.charset);
      const prefixOld = old.length * b > 255 ? 2 : 1;
      const prefixNew = n.length * b > 255 ? 2 : 1;
      if (prefixOld === prefixNew) return v(clause, 'INPLACE', 'NONE', false, 'extending a VARCHAR within the same length-prefix size is metadata only');
      return v(clause, 'COPY', 'SHARED', true, 'extending a VARCHAR across 255 bytes changes its length prefix and copies the table');
    }
  }
  if ((n.type === 'enum' || n.type === 'set') && old.type === n.type && old.values && n.values) {
    const appended = old.values.every((x, i) => n.values?.[i] === x) && n.values.length >= old.values.length;
    const size = (k: number): number => (n.type === 'enum' ? (k > 255 ? 2 : 1) : Math.ceil(k / 8));
    if (appended && size(old.values.length) === size(n.values.length)) return instantOr(clause, opts, 0, 'appending ENUM/SET members is metadata only', false);
    return v(clause, 'COPY', 'SHARED', true, 'reordering, removing or growing ENUM/SET members copies the table');
  }
  return v(clause, 'COPY', 'SHARED', true, `changing the data type (${old.type} -> ${n.type}) copies the table and blocks writes`);
}

function actionVerdict(a: AlterAction, stmt: AlterTableStmt, opts: OnlineDdlOptions): ClauseVerdict | undefined {
  const clause = a.text;
  switch (a.op) {
    case 'add_column': {
      const c = a.column;
      if (c.autoIncrement) return v(clause, 'INPLACE', 'SHARED', true, 'adding an AUTO_INCREMENT column rebuilds the table and blocks writes');
      if (c.generated === 'stored') return v(clause, 'COPY', 'SHARED', true, 'adding a STORED generated column copies the table');
      if (c.inlinePrimaryKey || c.inlineUnique) return v(clause, 'INPLACE', 'NONE', true, 'the column comes with an index, built in place');
      if (c.generated === 'virtual') {
        if (opts.table?.partitioned) return v(clause, 'COPY', 'SHARED', true, 'adding a VIRTUAL column to a partitioned table is neither INSTANT nor in place: it copies the table');
        return instantOr(clause, opts, 12, 'a VIRTUAL generated column is metadata only', false);
      }
      if (a.position) return instantOr(clause, opts, 29, 'ADD COLUMN ... FIRST/AFTER is INSTANT from MySQL 8.0.29');
      return instantOr(clause, opts, 12, 'adding a column as the last column is INSTANT');
    }
    case 'drop_column':
      return instantOr(clause, opts, 29, 'DROP COLUMN is INSTANT from MySQL 8.0.29');
    case 'rename_column':
      return instantOr(clause, opts, 28, 'RENAME COLUMN is INSTANT from MySQL 8.0.28', false);
    case 'alter_default':
      return instantOr(clause, opts, 0, 'SET/DROP DEFAULT is metadata only', false);
    case 'modify_column':
      return columnChange(clause, opts.table?.columns.get(a.column.name.toLowerCase()), a.column, false, !!a.position, opts);
    case 'change_column':
      return columnChange(clause, opts.table?.columns.get(a.from.toLowerCase()), a.column, a.from.toLowerCase() !== a.column.name.toLowerCase(), !!a.position, opts);
    case 'add_index':
      return addIndexVerdict(clause, a.index, opts, stmt);
    case 'drop_index':
    case 'rename_index':
      return v(clause, 'INPLACE', 'NONE', false, 'dropping or renaming an index is metadata only');
    case 'drop_primary_key': {
      const readded = stmt.actions.some((x) => x.op === 'add_index' && x.index.kind === 'primary');
      return readded
        ? v(clause, 'INPLACE', 'NONE', true, 'DROP + ADD PRIMARY KEY in one ALTER rebuilds in place')
        : v(clause, 'COPY', 'SHARED', true, 'dropping the primary key alone copies the table');
    }
    case 'add_foreign_key':
      return v(clause, 'COPY', 'SHARED', false, 'ADD FOREIGN KEY is INPLACE only with foreign_key_checks=0; otherwise COPY');
    case 'drop_foreign_key':
      return v(clause, 'INPLACE', 'NONE', false, 'DROP FOREIGN KEY is metadata only');
    case 'convert_charset':
      return v(clause, 'COPY', 'SHARED', true, 'CONVERT TO CHARACTER SET rewrites every row');
    case 'table_options': {
      const o = a.options;
      if (o.engine && !/^innodb$/i.test(o.engine)) return v(clause, 'COPY', 'SHARED', true, `changing the engine to ${o.engine} copies the table`);
      if (o.engine || o.rowFormat || o.keyBlockSize) return v(clause, 'INPLACE', 'NONE', true, 'ENGINE=InnoDB / ROW_FORMAT / KEY_BLOCK_SIZE rebuild the table in place');
      if (o.charset || o.collation) return v(clause, 'INPLACE', 'NONE', true, 'changing the default character set rebuilds the table in place');
      if (o.autoIncrement || o.comment !== undefined) return v(clause, 'INPLACE', 'NONE', false, 'AUTO_INCREMENT value and COMMENT are metadata only');
      return v(clause, 'INPLACE', 'NONE', true, 'other table options may rebuild the table');
    }
    case 'force':
      return v(clause, 'INPLACE', 'NONE', true, 'FORCE rebuilds the table in place');
    case 'rename_table':
      return instantOr(clause, opts, 0, 'RENAME TO is metadata only', false);
    case 'algorithm':
    case 'lock':
      return undefined;
    case 'partition':
      if (/REMOVE/.test(a.what)) return v(clause, 'COPY', 'SHARED', true, 'removing partitioning copies the table');
      if (/^PARTITION BY/.test(a.what)) return v(clause, 'COPY', 'SHARED', true, 'adding or changing partitioning copies the table');
      return v(clause, 'INPLACE', 'SHARED', false, 'partition maintenance works on the named partitions; check the manual for the exact lock');
    case 'check_constraint':
      return /^\s*add/i.test(clause)
        ? v(clause, 'COPY', 'SHARED', true, 'ADD CHECK validates every row with a table copy')
        : v(clause, 'INPLACE', 'NONE', false, 'dropping or altering a CHECK constraint is metadata only');
    case 'other':
      return v(clause, 'COPY', 'SHARED', true, 'this clause is not in the online DDL table; a copy is assumed');
  }
}

function combine(clauses: ClauseVerdict[]): OnlineDdlVerdict {
  let algorithm: Algorithm = 'INSTANT';
  let lock: LockLevel = 'NONE';
  let rebuild = false;
  for (const c of clauses) {
    if (ALG_RANK[c.algorithm] > ALG_RANK[algorithm]) algorithm = c.algorithm;
    if (LOCK_RANK[c.lock] > LOCK_RANK[lock]) lock = c.lock;
    rebuild ||= c.rebuild;
  }
  const out: OnlineDdlVerdict = { algorithm, lock, rebuild, clauses };
  if (algorithm === 'INSTANT') out.suggestion = 'ALGORITHM=INSTANT';
  else if (algorithm === 'INPLACE') out.suggestion = `ALGORITHM=INPLACE, LOCK=${lock}`;
  return out;
}

export function classifyAlter(stmt: AlterTableStmt, opts: OnlineDdlOptions): OnlineDdlVerdict | undefined {
  const clauses = stmt.actions.map((a) => actionVerdict(a, stmt, opts)).filter((c): c is ClauseVerdict => !!c);
  return clauses.length ? combine(clauses) : undefined;
}

export function classifyCreateIndex(stmt: CreateIndexStmt, opts: OnlineDdlOptions): OnlineDdlVerdict {
  return combine([addIndexVerdict('CREATE INDEX', stmt.index, opts)]);
}
