import type { Cardinality, Column, ForeignKey, Index, Partitioning, Routine, SchemaEntry, Table, Trigger, View } from '../snapshot';
import { quoteIdent, type ReadSession, type Row } from './connection';
import { byName, compareText, groupBy, has, numOrNull, text, textOrNull } from './rows';

/**
 * One schema read with a fixed number of flat information_schema queries (no joins: joins on
 * information_schema are very slow on MariaDB), joined in memory, plus SHOW CREATE TABLE per
 * table. Every list is sorted so the same database gives the same snapshot.
 */
export interface SchemaRef {
  name: string;
  charset: string;
  collation: string;
}

/** Everything but the DDL (`ddl` is ''): fill it with `fillDdl`. */
export async function readSchemaFacts(main: ReadSession, schema: SchemaRef): Promise<SchemaEntry> {
  const db = schema.name;
  const q = (sql: string) => main.query(sql, [db]);

  const tables = await q('SELECT TABLE_NAME, TABLE_TYPE, ENGINE, ROW_FORMAT, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, AUTO_INCREMENT, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?');
  const columns = await q('SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_TYPE, EXTRA, COLUMN_COMMENT, GENERATION_EXPRESSION FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?');
  const statistics = await q('SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?');
  // One cheap pass says whether the schema has foreign keys or checks at all: many schemas have
  // neither, and KEY_COLUMN_USAGE, REFERENTIAL_CONSTRAINTS and CHECK_CONSTRAINTS each open every
  // table. (Filter on TABLE_SCHEMA, MariaDB's lookup column: CONSTRAINT_SCHEMA is 20x slower.)
  const constraints = await q('SELECT CONSTRAINT_NAME, TABLE_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = ?');
  const hasForeignKeys = constraints.some((r) => text(r, 'CONSTRAINT_TYPE') === 'FOREIGN KEY');
  const hasChecks = constraints.some((r) => text(r, 'CONSTRAINT_TYPE') === 'CHECK');
  const keyUsage = !hasForeignKeys ? [] : await q('SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME IS NOT NULL');
  const referential = keyUsage.length ? await q('SELECT CONSTRAINT_NAME, TABLE_NAME, UPDATE_RULE, DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?') : [];
  const checks = hasChecks ? await readChecks(main, db, constraints) : [];
  const anyView = tables.some((t) => text(t, 'TABLE_TYPE') === 'VIEW');
  const views = !anyView ? [] : await q('SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, IS_UPDATABLE, DEFINER, SECURITY_TYPE FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?');
  // MariaDB looks TRIGGERS up by EVENT_OBJECT_SCHEMA: without it every schema's tables are opened (7x slower).
  const triggers = await main.query('SELECT TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_ORDER, ACTION_STATEMENT, ACTION_TIMING, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND EVENT_OBJECT_SCHEMA = ?', [db, db]);
  const routines = await q('SELECT * FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?');
  const parameters = routines.length ? await q('SELECT * FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = ?') : [];
  // PARTITIONS opens every table; ask only when TABLES says some table is partitioned.
  const anyPartitioned = tables.some((t) => /partitioned/i.test(text(t, 'CREATE_OPTIONS')));
  const partitions = !anyPartitioned ? [] : await q('SELECT TABLE_NAME, PARTITION_NAME, SUBPARTITION_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION, PARTITION_METHOD, SUBPARTITION_METHOD, PARTITION_EXPRESSION, SUBPARTITION_EXPRESSION, PARTITION_DESCRIPTION, TABLE_ROWS, PARTITION_COMMENT FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = ? AND PARTITION_NAME IS NOT NULL');

  const columnsByTable = groupBy(columns, (r) => text(r, 'TABLE_NAME'));
  const statsByTable = groupBy(statistics, (r) => text(r, 'TABLE_NAME'));
  const fkByTable = groupBy(keyUsage, (r) => text(r, 'TABLE_NAME'));
  const rules = new Map(referential.map((r) => [`${text(r, 'TABLE_NAME')}\0${text(r, 'CONSTRAINT_NAME')}`, r]));
  const checksByTable = groupBy(checks, (c) => c.table);
  const triggersByTable = groupBy(triggers, (r) => text(r, 'EVENT_OBJECT_TABLE'));
  const partsByTable = groupBy(partitions, (r) => text(r, 'TABLE_NAME'));
  const viewRows = new Map(views.map((r) => [text(r, 'TABLE_NAME'), r]));

  const baseTables: Table[] = [];
  const viewList: View[] = [];
  for (const t of tables) {
    const name = text(t, 'TABLE_NAME');
    const type = text(t, 'TABLE_TYPE');
    const cols = (columnsByTable.get(name) ?? []).map(toColumn).sort((a, b) => a.position - b.position);
    if (type === 'VIEW') {
      const v = viewRows.get(name);
      viewList.push({
        name,
        definition: v ? text(v, 'VIEW_DEFINITION') : '',
        checkOption: v ? text(v, 'CHECK_OPTION') : '',
        updatable: v ? text(v, 'IS_UPDATABLE') === 'YES' : false,
        securityType: v ? text(v, 'SECURITY_TYPE') : '',
        definer: v ? text(v, 'DEFINER') : '',
        columns: cols.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, comment: c.comment, default: c.default })),
      });
      continue;
    }
    if (type === 'TEMPORARY' || type === 'SYSTEM VIEW') continue;
    const indexes = toIndexes(statsByTable.get(name) ?? []);
    const foreignKeys = toForeignKeys(fkByTable.get(name) ?? [], rules, name);
    for (const fk of foreignKeys) fk.cardinality = cardinalityOf(fk, indexes, cols);
    baseTables.push({
      name,
      engine: textOrNull(t, 'ENGINE'),
      rowFormat: textOrNull(t, 'ROW_FORMAT'),
      collation: textOrNull(t, 'TABLE_COLLATION'),
      comment: text(t, 'TABLE_COMMENT'),
      createOptions: text(t, 'CREATE_OPTIONS'),
      rowsEstimate: numOrNull(t, 'TABLE_ROWS'),
      dataLength: numOrNull(t, 'DATA_LENGTH'),
      indexLength: numOrNull(t, 'INDEX_LENGTH'),
      autoIncrement: numOrNull(t, 'AUTO_INCREMENT'),
      columns: cols,
      primaryKey: indexes.find((i) => i.primary)?.columns.map((c) => c.name ?? '') ?? [],
      indexes,
      foreignKeys,
      checks: (checksByTable.get(name) ?? []).map((c) => ({ name: c.name, clause: c.clause })).sort(byName),
      triggers: (triggersByTable.get(name) ?? []).map(toTrigger).sort((a, b) => compareText(a.timing + a.event, b.timing + b.event) || a.order - b.order || byName(a, b)),
      partitioning: toPartitioning(partsByTable.get(name) ?? []),
      ddl: '',
    });
  }
  baseTables.sort(byName);
  viewList.sort(byName);

  const paramsByRoutine = groupBy(parameters, (r) => `${text(r, 'ROUTINE_TYPE')}\0${text(r, 'SPECIFIC_NAME')}`);
  const routineList: Routine[] = routines
    .map((r) => {
      const type = text(r, 'ROUTINE_TYPE') as Routine['type'];
      const params = (paramsByRoutine.get(`${type}\0${text(r, 'SPECIFIC_NAME')}`) ?? [])
        .filter((p) => numOrNull(p, 'ORDINAL_POSITION') !== 0)
        .sort((a, b) => (numOrNull(a, 'ORDINAL_POSITION') ?? 0) - (numOrNull(b, 'ORDINAL_POSITION') ?? 0))
        .map((p) => ({ mode: textOrNull(p, 'PARAMETER_MODE'), name: textOrNull(p, 'PARAMETER_NAME'), type: text(p, 'DTD_IDENTIFIER') }));
      return {
        name: text(r, 'ROUTINE_NAME'),
        type,
        returns: type === 'FUNCTION' ? textOrNull(r, 'DTD_IDENTIFIER') : null,
        parameters: params,
        definition: text(r, 'ROUTINE_DEFINITION'),
        deterministic: text(r, 'IS_DETERMINISTIC') === 'YES',
        dataAccess: text(r, 'SQL_DATA_ACCESS'),
        securityType: text(r, 'SECURITY_TYPE'),
        definer: text(r, 'DEFINER'),
        comment: text(r, 'ROUTINE_COMMENT'),
      };
    })
    .sort((a, b) => byName(a, b) || compareText(a.type, b.type));

  return { name: db, charset: schema.charset, collation: schema.collation, tables: baseTables, views: viewList, routines: routineList };
}

/** MariaDB's CHECK_CONSTRAINTS has TABLE_NAME; MySQL 8's does not (names are unique per schema there). */
async function readChecks(session: ReadSession, db: string, constraints: readonly Row[]): Promise<Array<{ table: string; name: string; clause: string }>> {
  const rows = await session.query('SELECT * FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?', [db]);
  if (rows.length === 0) return [];
  if (has(rows[0], 'TABLE_NAME')) {
    return rows.map((r) => ({ table: text(r, 'TABLE_NAME'), name: text(r, 'CONSTRAINT_NAME'), clause: text(r, 'CHECK_CLAUSE') }));
  }
  const tableOf = new Map(constraints.filter((r) => text(r, 'CONSTRAINT_TYPE') === 'CHECK').map((r) => [text(r, 'CONSTRAINT_NAME'), text(r, 'TABLE_NAME')]));
  return rows.map((r) => ({ table: tableOf.get(text(r, 'CONSTRAINT_NAME')) ?? '', name: text(r, 'CONSTRAINT_NAME'), clause: text(r, 'CHECK_CLAUSE') }));
}

function toColumn(r: Row): Column {
  const extra = text(r, 'EXTRA');
  const generated = /\bSTORED GENERATED\b|\bPERSISTENT\b/i.test(extra) ? 'STORED' : /\bVIRTUAL\b/i.test(extra) ? 'VIRTUAL' : null;
  return {
    name: text(r, 'COLUMN_NAME'),
    position: numOrNull(r, 'ORDINAL_POSITION') ?? 0,
    type: text(r, 'COLUMN_TYPE'),
    dataType: text(r, 'DATA_TYPE'),
    nullable: text(r, 'IS_NULLABLE') === 'YES',
    default: textOrNull(r, 'COLUMN_DEFAULT'),
    extra,
    generated,
    generationExpression: generated ? textOrNull(r, 'GENERATION_EXPRESSION') : null,
    charset: textOrNull(r, 'CHARACTER_SET_NAME'),
    collation: textOrNull(r, 'COLLATION_NAME'),
    comment: text(r, 'COLUMN_COMMENT'),
  };
}

function toIndexes(rows: readonly Row[]): Index[] {
  const byIndex = groupBy(rows, (r) => text(r, 'INDEX_NAME'));
  const out: Index[] = [];
  for (const [name, parts] of byIndex) {
    parts.sort((a, b) => (numOrNull(a, 'SEQ_IN_INDEX') ?? 0) - (numOrNull(b, 'SEQ_IN_INDEX') ?? 0));
    const first = parts[0] as Row;
    out.push({
      name,
      unique: numOrNull(first, 'NON_UNIQUE') === 0,
      primary: name === 'PRIMARY',
      type: text(first, 'INDEX_TYPE'),
      columns: parts.map((p) => ({
        name: textOrNull(p, 'COLUMN_NAME'),
        subPart: numOrNull(p, 'SUB_PART'),
        descending: text(p, 'COLLATION') === 'D',
        expression: textOrNull(p, 'EXPRESSION'),
      })),
      comment: text(first, 'INDEX_COMMENT'),
      // MySQL 8: IS_VISIBLE; MariaDB 10.6+: IGNORED.
      visible: text(first, 'IS_VISIBLE') !== 'NO' && text(first, 'IGNORED') !== 'YES',
    });
  }
  // PRIMARY first, then by name.
  return out.sort((a, b) => Number(b.primary) - Number(a.primary) || byName(a, b));
}

function toForeignKeys(rows: readonly Row[], rules: Map<string, Row>, table: string): ForeignKey[] {
  const byName = groupBy(rows, (r) => text(r, 'CONSTRAINT_NAME'));
  const out: ForeignKey[] = [];
  for (const [name, parts] of byName) {
    parts.sort((a, b) => (numOrNull(a, 'ORDINAL_POSITION') ?? 0) - (numOrNull(b, 'ORDINAL_POSITION') ?? 0));
    const first = parts[0] as Row;
    const rule = rules.get(`${table}\0${name}`);
    out.push({
      name,
      columns: parts.map((p) => text(p, 'COLUMN_NAME')),
      referencedSchema: text(first, 'REFERENCED_TABLE_SCHEMA'),
      referencedTable: text(first, 'REFERENCED_TABLE_NAME'),
      referencedColumns: parts.map((p) => text(p, 'REFERENCED_COLUMN_NAME')),
      onUpdate: rule ? text(rule, 'UPDATE_RULE') : '',
      onDelete: rule ? text(rule, 'DELETE_RULE') : '',
    });
  }
  return out.sort((a, b) => compareText(a.name, b.name));
}

/**
 * How many rows sit on each side of a foreign key, from this table's facts alone: at most one
 * child per parent when a primary key or unique index lies within the FK columns (their values
 * are then unique), and the parent is optional when an FK column is nullable.
 */
export function cardinalityOf(fk: Pick<ForeignKey, 'columns'>, indexes: readonly Index[], columns: readonly Column[]): Cardinality {
  const fkColumns = new Set(fk.columns);
  const unique = indexes.some((ix) => ix.unique && ix.columns.length > 0 && ix.columns.every((c) => c.name !== null && c.subPart === null && fkColumns.has(c.name)));
  const optional = fk.columns.some((name) => columns.find((c) => c.name === name)?.nullable ?? false);
  return { child: unique ? 'zero-or-one' : 'zero-or-more', parent: optional ? 'zero-or-one' : 'exactly-one' };
}

function toTrigger(r: Row): Trigger {
  return {
    name: text(r, 'TRIGGER_NAME'),
    timing: text(r, 'ACTION_TIMING'),
    event: text(r, 'EVENT_MANIPULATION'),
    order: numOrNull(r, 'ACTION_ORDER') ?? 0,
    statement: text(r, 'ACTION_STATEMENT'),
    definer: text(r, 'DEFINER'),
  };
}

function toPartitioning(rows: readonly Row[]): Partitioning | null {
  if (rows.length === 0) return null;
  const first = rows[0] as Row;
  const byPartition = groupBy(rows, (r) => text(r, 'PARTITION_NAME'));
  const partitions = [...byPartition.entries()].map(([name, subs]) => {
    const p = subs[0] as Row;
    const subNames = subs.map((s) => textOrNull(s, 'SUBPARTITION_NAME')).filter((s): s is string => s !== null);
    const rowsSum = subs.reduce<number | null>((acc, s) => {
      const n = numOrNull(s, 'TABLE_ROWS');
      return n === null ? acc : (acc ?? 0) + n;
    }, null);
    return {
      name,
      position: numOrNull(p, 'PARTITION_ORDINAL_POSITION') ?? 0,
      description: textOrNull(p, 'PARTITION_DESCRIPTION'),
      rowsEstimate: rowsSum,
      subpartitions: subNames.sort(compareText),
      comment: text(p, 'PARTITION_COMMENT'),
    };
  });
  return {
    method: text(first, 'PARTITION_METHOD'),
    expression: textOrNull(first, 'PARTITION_EXPRESSION'),
    subMethod: textOrNull(first, 'SUBPARTITION_METHOD'),
    subExpression: textOrNull(first, 'SUBPARTITION_EXPRESSION'),
    partitions: partitions.sort((a, b) => a.position - b.position),
  };
}

/** `AUTO_INCREMENT=n` changes with every insert: removed so the DDL only changes with the schema. */
export function stripAutoIncrement(ddl: string): string {
  return ddl.replace(/(\)[^\n]*?) AUTO_INCREMENT=\d+/, '$1');
}

/** A key of everything about a table except sizes and the counter: equal keys, equal DDL. */
export function tableFactsKey(t: Table): string {
  const { rowsEstimate: _r, dataLength: _d, indexLength: _i, autoIncrement: _a, ddl: _ddl, triggers: _t, ...facts } = t;
  return JSON.stringify(facts);
}

/**
 * `SHOW CREATE TABLE` for every table of the schema, on all `sessions` in parallel, except
 * tables for which `reuse` returns the previous DDL (same facts, same DDL).
 */
export async function fillDdl(sessions: readonly ReadSession[], schema: SchemaEntry, reuse?: (table: Table) => string | undefined): Promise<number> {
  const pending: Table[] = [];
  for (const t of schema.tables) {
    const reused = reuse?.(t);
    if (reused !== undefined) t.ddl = reused;
    else pending.push(t);
  }
  let next = 0;
  const runOn = async (session: ReadSession) => {
    while (next < pending.length) {
      const t = pending[next++] as Table;
      const rows = await session.query(`SHOW CREATE TABLE ${quoteIdent(schema.name)}.${quoteIdent(t.name)}`);
      const row = rows[0];
      const ddl = row ? text(row, 'Create Table') || text(row, 'Create Sequence') || text(row, 'Create View') : '';
      t.ddl = stripAutoIncrement(ddl);
    }
  };
  await Promise.all(sessions.map(runOn));
  return pending.length;
}
