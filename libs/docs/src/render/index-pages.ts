import type { SchemaEntry, Snapshot } from '../snapshot';
import { bytes, code, codeBlock, count, escText, href, link, table } from './markdown';
import { schemaMermaid } from './mermaid';
import { growersTable, type Growth } from './size-trend';
import { paths } from './paths';

export function schemaTotals(s: SchemaEntry): { rows: number; data: number; index: number } {
  let rows = 0;
  let data = 0;
  let index = 0;
  for (const t of s.tables) {
    rows += t.rowsEstimate ?? 0;
    data += t.dataLength ?? 0;
    index += t.indexLength ?? 0;
  }
  return { rows, data, index };
}

export function clusterTotals(snapshot: Snapshot): { schemas: number; tables: number; views: number; routines: number; bytes: number } {
  let tables = 0;
  let views = 0;
  let routines = 0;
  let size = 0;
  for (const s of snapshot.schemas) {
    tables += s.tables.length;
    views += s.views.length;
    routines += s.routines.length;
    const t = schemaTotals(s);
    size += t.data + t.index;
  }
  return { schemas: snapshot.schemas.length, tables, views, routines, bytes: size };
}

export function renderSchemaPage(s: SchemaEntry, snapshot: Snapshot, diagrams: { er: boolean; overviewPages: number; sizeChart?: boolean; growers?: readonly Growth[] }): string {
  const cluster = snapshot.clusterId;
  const self = paths.schemaIndex(cluster, s.name);
  const totals = schemaTotals(s);
  const out = [
    `# Schema ${code(s.name)}`,
    '',
    `${link(`cluster ${escText(cluster)}`, self, paths.clusterIndex(cluster))} · charset ${code(s.charset)} · collation ${code(s.collation)} · ${s.tables.length} tables · ${s.views.length} views · ${s.routines.length} routines · data ${bytes(totals.data)} · indexes ${bytes(totals.index)}`,
    '',
  ];
  if (diagrams.sizeChart || diagrams.growers?.length) {
    out.push('## Size over time', '');
    if (diagrams.sizeChart) out.push(`![Size of ${escText(s.name)} over time](${href(self, paths.schemaSizeSvg(cluster, s.name))})`, '');
    if (diagrams.growers?.length) out.push('Top growers:', '', growersTable(diagrams.growers, self, (g) => paths.table(cluster, g.schema, g.table), false), '');
  }
  if (s.tables.length) {
    out.push('## Tables', '');
    out.push(
      table(
        ['Table', 'Engine', 'Rows (estimate)', 'Data', 'Indexes', 'Columns', 'FKs', 'Comment'],
        s.tables.map((t) => [link(code(t.name), self, paths.table(cluster, s.name, t.name)), escText(t.engine ?? ''), count(t.rowsEstimate), bytes(t.dataLength), bytes(t.indexLength), String(t.columns.length), String(t.foreignKeys.length), escText(t.comment)]),
      ),
      '',
    );
  }
  if (s.views.length) {
    out.push('## Views', '', table(['View', 'Updatable', 'Columns'], s.views.map((v) => [link(code(v.name), self, paths.view(cluster, s.name, v.name)), v.updatable ? 'YES' : 'NO', String(v.columns.length)])), '');
  }
  if (s.routines.length) {
    out.push(
      '## Routines',
      '',
      table(['Routine', 'Type', 'Returns', 'Comment'], s.routines.map((r) => [link(code(r.name), self, paths.routine(cluster, s.name, r.type, r.name)), escText(r.type), r.returns ? code(r.returns) : '', escText(r.comment)])),
      '',
    );
  }
  if (s.tables.length) {
    out.push('## ER diagram', '');
    if (diagrams.overviewPages) {
      out.push('### Overview', '', 'Tables and views by name, grouped by the foreign keys that connect them (views with dashed borders, linked to the tables they read); each table page has its own diagram with columns.', '');
      for (let i = 1; i <= diagrams.overviewPages; i++) {
        const file = paths.schemaOverview(cluster, s.name, i);
        out.push(`![Overview of ${escText(s.name)}${diagrams.overviewPages > 1 ? `, page ${i}` : ''}](${href(self, file)})`, '');
      }
    }
    if (diagrams.er) out.push('### With columns', '', `![ER diagram of ${escText(s.name)}](er.svg)`, '', `Full size: ${link('er.svg', self, paths.schemaSvg(cluster, s.name))}`, '');
    const mermaid = schemaMermaid(s);
    if (mermaid) out.push('<details><summary>Mermaid</summary>', '', codeBlock('mermaid', mermaid), '', '</details>', '');
    else out.push('The schema is too large for a Mermaid diagram on GitHub; see the SVG above.', '');
  }
  return out.join('\n');
}

export function renderClusterIndex(snapshot: Snapshot, topGrowers: readonly Growth[] = []): string {
  const cluster = snapshot.clusterId;
  const self = paths.clusterIndex(cluster);
  const totals = clusterTotals(snapshot);
  const out = [
    `# Cluster ${code(cluster)}`,
    '',
    ...(snapshot.description ? [`> ${escText(snapshot.description)}`, ''] : []),
    table(
      ['Property', 'Value'],
      [
        ['Environment', escText(snapshot.environment)],
        ['Engine', `${escText(snapshot.engine)} ${code(snapshot.server.version)}${snapshot.server.versionComment ? ` (${escText(snapshot.server.versionComment)})` : ''}`],
        ['Schemas', count(totals.schemas)],
        ['Tables', count(totals.tables)],
        ['Views', count(totals.views)],
        ['Routines', count(totals.routines)],
        ['Total size (data + indexes)', bytes(totals.bytes)],
        ['Snapshot taken', escText(snapshot.capturedAt)],
      ],
    ),
    '',
    `${link('Parameters', self, paths.parameters(cluster))} · ${link('Changelog', self, paths.changelog(cluster))} · ${link('schema.json', self, paths.snapshot(cluster))}`,
    '',
    ...(topGrowers.length
      ? ['## Top growers', '', 'Tables whose data and indexes grew most over the kept crawls (capacity planning; estimates from information_schema).', '', growersTable(topGrowers, self, (g) => paths.table(cluster, g.schema, g.table), true), '']
      : []),
    '## Schemas',
    '',
    table(
      ['Schema', 'Tables', 'Views', 'Routines', 'Rows (estimate)', 'Data', 'Indexes'],
      snapshot.schemas.map((s) => {
        const t = schemaTotals(s);
        return [link(code(s.name), self, paths.schemaIndex(cluster, s.name)), String(s.tables.length), String(s.views.length), String(s.routines.length), count(t.rows), bytes(t.data), bytes(t.index)];
      }),
    ),
    '',
  ];
  for (const s of snapshot.schemas) {
    if (s.tables.length === 0) continue;
    out.push(`### ${code(s.name)}`, '');
    out.push(
      table(
        ['Table', 'Rows (estimate)', 'Data', 'Indexes', 'Comment'],
        s.tables.map((t) => [link(code(t.name), self, paths.table(cluster, s.name, t.name)), count(t.rowsEstimate), bytes(t.dataLength), bytes(t.indexLength), escText(t.comment)]),
      ),
      '',
    );
  }
  return out.join('\n');
}
