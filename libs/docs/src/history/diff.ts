import type { Column, Index, SchemaEntry, Snapshot, Table } from '../snapshot';
import { compareText } from '../crawl/rows';
import { indexColumns } from '../render/table-page';

/**
 * What changed between two snapshots of one cluster, as human lines (Markdown). Sizes, row
 * estimates and AUTO_INCREMENT are data, not schema: they are not reported.
 */
export interface ChangeSet {
  schema: string[];
  parameters: string[];
  server: string[];
}

const q = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const v = (s: string | null) => (s === null ? 'NULL' : s === '' ? "''" : `\`${s.replace(/`/g, "'")}\``);

function byNameMap<T extends { name: string }>(list: readonly T[]): Map<string, T> {
  return new Map(list.map((x) => [x.name, x]));
}

function added<T extends { name: string }>(before: readonly T[], after: readonly T[]): T[] {
  const b = byNameMap(before);
  return after.filter((x) => !b.has(x.name));
}

function columnChanges(prefix: string, a: Column, b: Column): string[] {
  const parts: string[] = [];
  if (a.type !== b.type) parts.push(`type ${v(a.type)} → ${v(b.type)}`);
  if (a.nullable !== b.nullable) parts.push(b.nullable ? 'now NULL' : 'now NOT NULL');
  if (a.default !== b.default) parts.push(`default ${v(a.default)} → ${v(b.default)}`);
  if (a.extra !== b.extra) parts.push(`extra ${v(a.extra)} → ${v(b.extra)}`);
  if (a.generationExpression !== b.generationExpression) parts.push(`expression ${v(a.generationExpression)} → ${v(b.generationExpression)}`);
  if (a.collation !== b.collation) parts.push(`collation ${v(a.collation)} → ${v(b.collation)}`);
  if (a.comment !== b.comment) parts.push(`comment ${v(a.comment)} → ${v(b.comment)}`);
  if (a.position !== b.position) parts.push(`position ${a.position} → ${b.position}`);
  return parts.length ? [`${prefix}: column ${q(b.name)} changed: ${parts.join('; ')}`] : [];
}

const indexText = (ix: Index) => `${ix.unique ? 'UNIQUE ' : ''}${ix.type} (${indexColumns(ix)})${ix.visible ? '' : ' invisible'}`;

function objectChanges<T extends { name: string }>(prefix: string, kind: string, before: readonly T[], after: readonly T[], show: (x: T) => string): string[] {
  const lines: string[] = [];
  const b = byNameMap(before);
  const a = byNameMap(after);
  for (const x of after) {
    const old = b.get(x.name);
    if (!old) lines.push(`${prefix}: ${kind} ${q(x.name)} added: ${show(x)}`);
    else if (show(old) !== show(x)) lines.push(`${prefix}: ${kind} ${q(x.name)} changed: ${show(old)} → ${show(x)}`);
  }
  for (const x of before) if (!a.has(x.name)) lines.push(`${prefix}: ${kind} ${q(x.name)} removed`);
  return lines;
}

function tableChanges(schema: string, a: Table, b: Table): string[] {
  const prefix = `${q(`${schema}.${b.name}`)}`;
  const lines: string[] = [];
  const aCols = byNameMap(a.columns);
  for (const c of b.columns) {
    const old = aCols.get(c.name);
    if (!old) lines.push(`${prefix}: column ${q(c.name)} added: ${v(c.type)}${c.nullable ? ' NULL' : ' NOT NULL'}`);
    else lines.push(...columnChanges(prefix, old, c));
  }
  for (const c of added(b.columns, a.columns)) lines.push(`${prefix}: column ${q(c.name)} removed`);
  lines.push(...objectChanges(prefix, 'index', a.indexes, b.indexes, indexText));
  lines.push(
    ...objectChanges(prefix, 'foreign key', a.foreignKeys, b.foreignKeys, (fk) => `(${fk.columns.map(q).join(', ')}) → ${q(`${fk.referencedSchema}.${fk.referencedTable}`)} (${fk.referencedColumns.map(q).join(', ')}) ON UPDATE ${fk.onUpdate} ON DELETE ${fk.onDelete}`),
  );
  lines.push(...objectChanges(prefix, 'check', a.checks, b.checks, (c) => v(c.clause)));
  lines.push(...objectChanges(prefix, 'trigger', a.triggers, b.triggers, (t) => `${t.timing} ${t.event} ${v(t.statement)}`));
  const part = (t: Table) => (t.partitioning ? `${t.partitioning.method} (${t.partitioning.partitions.map((p) => p.name).join(', ')})` : 'none');
  if (part(a) !== part(b)) lines.push(`${prefix}: partitioning ${part(a)} → ${part(b)}`);
  if (a.engine !== b.engine) lines.push(`${prefix}: engine ${v(a.engine)} → ${v(b.engine)}`);
  if (a.collation !== b.collation) lines.push(`${prefix}: collation ${v(a.collation)} → ${v(b.collation)}`);
  if (a.rowFormat !== b.rowFormat) lines.push(`${prefix}: row format ${v(a.rowFormat)} → ${v(b.rowFormat)}`);
  if (a.comment !== b.comment) lines.push(`${prefix}: comment ${v(a.comment)} → ${v(b.comment)}`);
  // Anything else the DDL shows (table options, key order): one generic line.
  if (lines.length === 0 && a.ddl !== b.ddl) lines.push(`${prefix}: DDL changed`);
  return lines;
}

function schemaChanges(a: SchemaEntry, b: SchemaEntry): string[] {
  const lines: string[] = [];
  const aTables = byNameMap(a.tables);
  for (const t of b.tables) {
    const old = aTables.get(t.name);
    if (!old) lines.push(`${q(`${b.name}.${t.name}`)}: table added (${t.columns.length} columns)`);
    else lines.push(...tableChanges(b.name, old, t));
  }
  for (const t of added(b.tables, a.tables)) lines.push(`${q(`${b.name}.${t.name}`)}: table removed`);
  lines.push(...objectChanges(q(b.name), 'view', a.views, b.views, (x) => v(x.definition)));
  const routineKey = <R extends { type: string; name: string }>(r: R): R => ({ ...r, name: `${r.type.toLowerCase()} ${r.name}` });
  lines.push(...objectChanges(q(b.name), 'routine', a.routines.map(routineKey), b.routines.map(routineKey), (r) => v(r.definition)));
  if (a.collation !== b.collation) lines.push(`${q(b.name)}: default collation ${v(a.collation)} → ${v(b.collation)}`);
  return lines;
}

export function diffSnapshots(before: Snapshot, after: Snapshot): ChangeSet {
  const schema: string[] = [];
  const aSchemas = byNameMap(before.schemas);
  for (const s of after.schemas) {
    const old = aSchemas.get(s.name);
    if (!old) schema.push(`${q(s.name)}: schema added (${s.tables.length} tables, ${s.views.length} views)`);
    else schema.push(...schemaChanges(old, s));
  }
  for (const s of added(after.schemas, before.schemas)) schema.push(`${q(s.name)}: schema removed`);

  const parameters: string[] = [];
  const names = [...new Set([...Object.keys(before.variables), ...Object.keys(after.variables)])].sort(compareText);
  for (const name of names) {
    const a = before.variables[name];
    const b = after.variables[name];
    if (a === b) continue;
    if (a === undefined) parameters.push(`parameter ${q(name)} added: ${v(b ?? '')}`);
    else if (b === undefined) parameters.push(`parameter ${q(name)} removed (was ${v(a)})`);
    else parameters.push(`parameter ${q(name)}: ${v(a)} → ${v(b)}`);
  }
  const server: string[] = [];
  if (before.server.version !== after.server.version) server.push(`server version ${v(before.server.version)} → ${v(after.server.version)}`);
  return { schema, parameters, server };
}

export function changeCount(c: ChangeSet): number {
  return c.schema.length + c.parameters.length + c.server.length;
}
