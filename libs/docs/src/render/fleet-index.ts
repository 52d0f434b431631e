import type { ClusterSummary } from '../publish/cluster-summary';
import { compareText } from '../crawl/rows';
import { auditStateOf } from '../parameters/audit-logging';
import { bytes, code, count, escText, link, table } from './markdown';
import { paths } from './paths';

export interface FleetEntry {
  clusterId: string;
  environment: string;
  engine: string;
  summary: ClusterSummary | undefined;
  /** Outcome of the cluster's latest crawl: ok, or the reason it failed. */
  lastResult: { ok: true } | { ok: false; error: string };
}

/** The fleet index. No run times: an unchanged fleet gives an identical page. */
export function renderFleetIndex(entries: readonly FleetEntry[]): string {
  const sorted = [...entries].sort((a, b) => compareText(a.environment, b.environment) || compareText(a.clusterId, b.clusterId));
  const self = paths.fleetIndex;
  const failures = sorted.filter((e) => !e.lastResult.ok);
  const envs = [...new Set(sorted.map((e) => e.environment))].sort(compareText);
  const auditOff = sorted.filter((e) => e.summary && !auditStateOf(e.summary).enabled);
  const out = [
    '# Database documentation',
    '',
    `${sorted.length} clusters · ${failures.length} failed in their latest crawl · **${auditOff.length} with audit logging off** · parameters by environment: ${envs.map((e) => link(code(e), self, paths.environmentParameters(e))).join(', ') || 'none'} · ${link('parameter drift', self, paths.parameterDrift)} · snapshot format: ${link(paths.snapshotJsonSchema, self, paths.snapshotJsonSchema)}`,
    '',
    table(
      ['Cluster', 'Env', 'Engine', 'Version', 'Audit log', 'Schemas', 'Tables', 'Size', 'Snapshot taken', 'Latest crawl'],
      sorted.map((e) => {
        const s = e.summary;
        const t = s?.totals;
        return [
          s ? link(code(e.clusterId), self, paths.clusterIndex(e.clusterId)) : code(e.clusterId),
          escText(e.environment),
          escText(e.engine),
          s ? code(s.server.version) : '',
          s ? (auditStateOf(s).enabled ? 'on' : link('**⚠ OFF**', self, paths.parameters(e.clusterId))) : '',
          t ? count(t.schemas) : '',
          t ? count(t.tables) : '',
          t ? bytes(t.bytes) : '',
          s ? escText(s.capturedAt) : 'never',
          e.lastResult.ok ? 'ok' : '**failed**',
        ];
      }),
    ),
    '',
  ];
  if (auditOff.length) {
    out.push(
      '## Audit logging off',
      '',
      'Grants on these clusters leave no database evidence of what their users ran (their evidence bundles say so):',
      '',
      ...auditOff.map((e) => `- ${link(code(e.clusterId), self, paths.parameters(e.clusterId))}: ${escText(e.summary ? auditStateOf(e.summary).detail : '')}`),
      '',
    );
  }
  if (failures.length) {
    out.push('## Failures', '', ...failures.map((f) => `- ${code(f.clusterId)}: ${escText(f.lastResult.ok ? '' : f.lastResult.error)}`), '');
  }
  return out.join('\n');
}
