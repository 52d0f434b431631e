import type { Snapshot } from '../snapshot';

/** What the parameter pages read: a snapshot or its summary.json. */
export type ParameterSource = Pick<Snapshot, 'clusterId' | 'environment' | 'server' | 'variables'>;
import { compareText } from '../crawl/rows';
import { differsFromBaseline, type ParameterBaseline } from '../parameters/baseline';
import { code, count, escText, link, table } from './markdown';
import { paths } from './paths';

/** Variables that name the server itself: they always differ between clusters, never a finding. */
export const IDENTITY_VARIABLES = new Set(['hostname', 'server_id', 'server_uuid', 'pid_file', 'report_host', 'wsrep_node_name', 'wsrep_node_address', 'log_bin_basename', 'log_bin_index', 'relay_log_basename', 'relay_log_index', 'general_log_file', 'slow_query_log_file', 'log_error']);

const show = (value: string | undefined) => (value === undefined ? '—' : value === '' ? "''" : code(value));

/** Every variable of one cluster; non-defaults marked; disagreements with its environment's other clusters. */
export function renderParametersPage(snapshot: ParameterSource, baseline: ParameterBaseline | undefined, peers: readonly ParameterSource[]): string {
  const cluster = snapshot.clusterId;
  const self = paths.parameters(cluster);
  const names = Object.keys(snapshot.variables).sort(compareText);
  let nonDefault = 0;
  let disagree = 0;
  const rows = names.map((name) => {
    const value = snapshot.variables[name] ?? '';
    const differs = differsFromBaseline(baseline, name, value);
    if (differs) nonDefault++;
    const others = peers.filter((p) => p.variables[name] !== value && !IDENTITY_VARIABLES.has(name));
    if (others.length) disagree++;
    return [
      differs ? `**${code(name)}**` : code(name),
      show(value),
      baseline ? show(baseline.values[name]) : '',
      differs === undefined ? 'no baseline' : differs ? '**non-default**' : '',
      others.map((p) => `${escText(p.clusterId)}: ${show(p.variables[name])}`).join('<br>'),
    ];
  });
  return [
    `# Parameters of ${code(cluster)}`,
    '',
    `${link(`cluster ${escText(cluster)}`, self, paths.clusterIndex(cluster))} · ${link(`${escText(snapshot.environment)} comparison`, self, paths.environmentParameters(snapshot.environment))} · server ${code(snapshot.server.version)}`,
    '',
    `${count(names.length)} variables (SHOW GLOBAL VARIABLES), ${count(nonDefault)} differ from the engine defaults` +
      (baseline ? ` (baseline ${code(baseline.id)}: ${escText(baseline.source)})` : ' (no baseline recorded for this engine version: defaults unknown)') +
      `, ${count(disagree)} differ from other ${escText(snapshot.environment)} clusters (${peers.length ? peers.map((p) => code(p.clusterId)).join(', ') : 'none'}).`,
    '',
    table(['Variable', 'Value', 'Default', 'Non-default', `Other ${escText(snapshot.environment)} clusters that differ`], rows),
    '',
  ].join('\n');
}

/** One environment: only the variables on which its clusters disagree. */
export function renderEnvironmentComparison(environment: string, snapshots: readonly ParameterSource[]): string {
  const self = paths.environmentParameters(environment);
  const sorted = [...snapshots].sort((a, b) => compareText(a.clusterId, b.clusterId));
  const names = [...new Set(sorted.flatMap((s) => Object.keys(s.variables)))].sort(compareText);
  const rows: string[][] = [];
  for (const name of names) {
    if (IDENTITY_VARIABLES.has(name) || /^version/.test(name)) continue;
    const values = sorted.map((s) => s.variables[name]);
    if (new Set(values).size <= 1) continue;
    rows.push([code(name), ...values.map(show)]);
  }
  return [
    `# Parameters across ${code(environment)} clusters`,
    '',
    `${link('fleet index', self, paths.fleetIndex)} · clusters: ${sorted.map((s) => link(code(s.clusterId), self, paths.parameters(s.clusterId))).join(', ') || 'none'}`,
    '',
    sorted.length < 2
      ? 'Fewer than two clusters in this environment: nothing to compare.'
      : rows.length
        ? `${rows.length} variables differ between clusters (server identity and version variables left out).`
        : 'All clusters agree on every variable (server identity and version variables left out).',
    '',
    rows.length ? table(['Variable', ...sorted.map((s) => code(s.clusterId))], rows) : '',
    '',
  ].join('\n');
}
