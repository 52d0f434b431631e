import type { ForeignKey, Index, Snapshot, Table } from '../snapshot';
import { bytes, code, codeBlock, count, escText, link, table } from './markdown';
import { tableMermaid, type Neighbour } from './mermaid';
import { paths } from './paths';
import { keyColumns, tableKey, type ChildReference } from './relations';

export interface TablePageContext {
  snapshot: Snapshot;
  schema: string;
  /** Every table of the cluster by `tableKey`, to link and draw neighbours. */
  tables: Map<string, Table>;
  children: Map<string, ChildReference[]>;
  /** Views that read each table, by `tableKey`. */
  readers?: Map<string, Array<{ schema: string; name: string }>>;
  /** The table's own ER diagram (SVG file next to the page), when rendered. */
  diagram?: string | undefined;
  /** The table's size chart (relative link), when it has a size history. */
  sizeChart?: string | undefined;
}

export function indexColumns(ix: Index): string {
  return ix.columns
    .map((c) => {
      const base = c.name !== null ? code(c.name) : code(`(${c.expression ?? '?'})`);
      return `${base}${c.subPart !== null ? `(${c.subPart})` : ''}${c.descending ? ' DESC' : ''}`;
    })
    .join(', ');
}

const cols = (names: readonly string[]) => names.map(code).join(', ');

/** "0..1 child → 1 parent": rows of the child per parent row, and parent rows per child row. */
export function cardinalityText(fk: ForeignKey): string {
  if (!fk.cardinality) return '';
  const child = fk.cardinality.child === 'zero-or-one' ? '0..1' : '0..*';
  const parent = fk.cardinality.parent === 'zero-or-one' ? '0..1' : '1';
  return `${child} child → ${parent} parent${fk.cardinality.child === 'zero-or-one' ? ' (one-to-one)' : ''}`;
}

export function renderTablePage(t: Table, ctx: TablePageContext): string {
  const cluster = ctx.snapshot.clusterId;
  const self = paths.table(cluster, ctx.schema, t.name);
  const tableLink = (schema: string, name: string) => {
    const label = schema === ctx.schema ? code(name) : code(`${schema}.${name}`);
    return ctx.tables.has(tableKey(schema, name)) ? link(label, self, paths.table(cluster, schema, name)) : label;
  };
  const keys = keyColumns(t);
  const out: string[] = [];
  out.push(`# Table ${code(`${ctx.schema}.${t.name}`)}`, '');
  if (t.comment) out.push(`> ${escText(t.comment)}`, '');
  out.push(`${link(`schema ${escText(ctx.schema)}`, self, paths.schemaIndex(cluster, ctx.schema))} · ${link(`cluster ${escText(cluster)}`, self, paths.clusterIndex(cluster))}`, '');

  out.push(
    table(
      ['Property', 'Value'],
      [
        ['Engine', escText(t.engine ?? '')],
        ['Row format', escText(t.rowFormat ?? '')],
        ['Collation', escText(t.collation ?? '')],
        ['Rows (estimate)', count(t.rowsEstimate)],
        ['Data size', bytes(t.dataLength)],
        ['Index size', bytes(t.indexLength)],
        ['Next AUTO_INCREMENT', count(t.autoIncrement)],
        ['Create options', escText(t.createOptions)],
      ].filter(([, v]) => v !== ''),
    ),
    '',
  );

  if (ctx.sizeChart) out.push(`![Size of ${escText(t.name)} over time](${ctx.sizeChart})`, '');

  out.push('## Columns', '');
  out.push(
    table(
      ['#', 'Name', 'Type', 'Null', 'Default', 'Extra', 'Keys', 'Collation', 'Comment'],
      t.columns.map((c) => [
        String(c.position),
        code(c.name),
        code(c.type),
        c.nullable ? 'YES' : 'NO',
        c.default === null ? '' : code(c.default),
        [c.extra ? escText(c.extra) : '', c.generationExpression ? `AS ${code(c.generationExpression)}` : ''].filter(Boolean).join(' '),
        [keys.pk.has(c.name) ? 'PK' : '', keys.uk.has(c.name) ? 'UK' : '', keys.fk.has(c.name) ? 'FK' : ''].filter(Boolean).join(' '),
        escText(c.collation ?? ''),
        escText(c.comment),
      ]),
    ),
    '',
  );

  if (t.indexes.length) {
    out.push('## Indexes', '');
    out.push(
      table(
        ['Name', 'Type', 'Unique', 'Columns', 'Visible', 'Comment'],
        t.indexes.map((ix) => [code(ix.name), escText(ix.type), ix.unique ? 'YES' : 'NO', indexColumns(ix), ix.visible ? 'YES' : 'NO', escText(ix.comment)]),
      ),
      '',
    );
  }

  const constraints: string[][] = [];
  if (t.primaryKey.length) constraints.push(['`PRIMARY`', 'PRIMARY KEY', cols(t.primaryKey)]);
  for (const ix of t.indexes.filter((i) => i.unique && !i.primary)) constraints.push([code(ix.name), 'UNIQUE', indexColumns(ix)]);
  for (const fk of t.foreignKeys) constraints.push([code(fk.name), 'FOREIGN KEY', `${cols(fk.columns)} → ${tableLink(fk.referencedSchema, fk.referencedTable)} (${cols(fk.referencedColumns)})`]);
  for (const ck of t.checks) constraints.push([code(ck.name), 'CHECK', code(ck.clause)]);
  if (constraints.length) out.push('## Constraints', '', table(['Name', 'Kind', 'Definition'], constraints), '');

  const children = ctx.children.get(tableKey(ctx.schema, t.name)) ?? [];
  if (t.foreignKeys.length || children.length) {
    out.push('## Foreign keys', '');
    if (t.foreignKeys.length) {
      out.push('### Parents (this table references)', '');
      out.push(
        table(
          ['Constraint', 'Columns', 'Parent table', 'Parent columns', 'Cardinality', 'On update', 'On delete'],
          t.foreignKeys.map((fk) => [code(fk.name), cols(fk.columns), tableLink(fk.referencedSchema, fk.referencedTable), cols(fk.referencedColumns), cardinalityText(fk), escText(fk.onUpdate), escText(fk.onDelete)]),
        ),
        '',
      );
    }
    if (children.length) {
      out.push('### Children (referencing this table)', '');
      out.push(
        table(
          ['Child table', 'Constraint', 'Columns', 'Referenced columns', 'Cardinality', 'On update', 'On delete'],
          children.map((c) => [tableLink(c.schema, c.table), code(c.fk.name), cols(c.fk.columns), cols(c.fk.referencedColumns), cardinalityText(c.fk), escText(c.fk.onUpdate), escText(c.fk.onDelete)]),
        ),
        '',
      );
    }
  }

  if (t.triggers.length) {
    out.push('## Triggers', '');
    for (const tr of t.triggers) {
      out.push(`### ${code(tr.name)}`, '', `${escText(tr.timing)} ${escText(tr.event)} · order ${tr.order} · definer ${code(tr.definer)}`, '', codeBlock('sql', tr.statement), '');
    }
  }

  if (t.partitioning) {
    const p = t.partitioning;
    out.push('## Partitions', '');
    out.push(`${escText(p.method)}${p.expression ? ` (${code(p.expression)})` : ''}${p.subMethod ? `, subpartitioned by ${escText(p.subMethod)}${p.subExpression ? ` (${code(p.subExpression)})` : ''}` : ''}`, '');
    out.push(
      table(
        ['#', 'Partition', 'Bound', 'Rows (estimate)', 'Subpartitions', 'Comment'],
        p.partitions.map((x) => [String(x.position), code(x.name), x.description === null ? '' : code(x.description), count(x.rowsEstimate), x.subpartitions.map(code).join(', '), escText(x.comment)]),
      ),
      '',
    );
  }

  const readers = ctx.readers?.get(tableKey(ctx.schema, t.name)) ?? [];
  if (readers.length) {
    out.push('## Read by views', '', readers.map((r) => link(code(r.schema === ctx.schema ? r.name : `${r.schema}.${r.name}`), self, paths.view(cluster, r.schema, r.name))).join(', '), '');
  }

  const parents: Neighbour[] = [];
  for (const fk of t.foreignKeys) {
    const p = ctx.tables.get(tableKey(fk.referencedSchema, fk.referencedTable));
    if (p) parents.push({ schema: fk.referencedSchema, table: p });
  }
  const childNeighbours: Neighbour[] = [];
  for (const c of children) {
    const ct = ctx.tables.get(tableKey(c.schema, c.table));
    if (ct) childNeighbours.push({ schema: c.schema, table: ct });
  }
  out.push('## ER diagram', '');
  if (ctx.diagram) out.push(`![ER diagram of ${escText(t.name)} with its parents and children](${ctx.diagram})`, '', '<details><summary>Mermaid</summary>', '', codeBlock('mermaid', tableMermaid(ctx.schema, t, parents, childNeighbours)), '', '</details>', '');
  else out.push(codeBlock('mermaid', tableMermaid(ctx.schema, t, parents, childNeighbours)), '');
  out.push('## DDL', '', codeBlock('sql', t.ddl), '');
  return out.join('\n');
}
