import type { Routine, Snapshot, View } from '../snapshot';
import { code, codeBlock, escText, link, table } from './markdown';
import { paths } from './paths';

export function renderViewPage(v: View, snapshot: Snapshot, schema: string): string {
  const cluster = snapshot.clusterId;
  const self = paths.view(cluster, schema, v.name);
  return [
    `# View ${code(`${schema}.${v.name}`)}`,
    '',
    `${link(`schema ${escText(schema)}`, self, paths.schemaIndex(cluster, schema))} · ${link(`cluster ${escText(cluster)}`, self, paths.clusterIndex(cluster))}`,
    '',
    table(
      ['Property', 'Value'],
      [
        ['Updatable', v.updatable ? 'YES' : 'NO'],
        ['Check option', escText(v.checkOption)],
        ['Security', escText(v.securityType)],
        ['Definer', code(v.definer)],
      ],
    ),
    '',
    '## Columns',
    '',
    table(['Name', 'Type', 'Null', 'Default', 'Comment'], v.columns.map((c) => [code(c.name), code(c.type), c.nullable ? 'YES' : 'NO', c.default === null || c.default === undefined ? '' : code(c.default), escText(c.comment)])),
    '',
    ...(v.references
      ? [
          '## Reads',
          '',
          v.references.length
            ? table(
                ['Object', 'Kind'],
                v.references.map((r) => {
                  const label = code(r.schema === schema ? r.name : `${r.schema}.${r.name}`);
                  const target = r.kind === 'table' ? paths.table(cluster, r.schema, r.name) : r.kind === 'view' ? paths.view(cluster, r.schema, r.name) : undefined;
                  return [target ? link(label, self, target) : label, r.kind === 'unknown' ? 'not documented here' : r.kind];
                }),
              )
            : 'No table (the definition reads no table).',
          '',
        ]
      : []),
    '## Definition',
    '',
    codeBlock('sql', v.definition),
    '',
  ].join('\n');
}

export function renderRoutinePage(r: Routine, snapshot: Snapshot, schema: string): string {
  const cluster = snapshot.clusterId;
  const self = paths.routine(cluster, schema, r.type, r.name);
  const kind = r.type.charAt(0) + r.type.slice(1).toLowerCase();
  return [
    `# ${kind} ${code(`${schema}.${r.name}`)}`,
    '',
    ...(r.comment ? [`> ${escText(r.comment)}`, ''] : []),
    `${link(`schema ${escText(schema)}`, self, paths.schemaIndex(cluster, schema))} · ${link(`cluster ${escText(cluster)}`, self, paths.clusterIndex(cluster))}`,
    '',
    table(
      ['Property', 'Value'],
      [
        ['Returns', r.returns ? code(r.returns) : ''],
        ['Deterministic', r.deterministic ? 'YES' : 'NO'],
        ['SQL data access', escText(r.dataAccess)],
        ['Security', escText(r.securityType)],
        ['Definer', code(r.definer)],
      ].filter(([, v]) => v !== ''),
    ),
    '',
    ...(r.parameters.length
      ? ['## Parameters', '', table(['#', 'Mode', 'Name', 'Type'], r.parameters.map((p, i) => [String(i + 1), escText(p.mode ?? ''), code(p.name ?? ''), code(p.type)])), '']
      : []),
    '## Body',
    '',
    codeBlock('sql', r.definition),
    '',
  ].join('\n');
}
