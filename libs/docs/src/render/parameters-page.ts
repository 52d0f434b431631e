import type { Snapshot } from '../snapshot';
/** What the parameter pages read: a snapshot or its summary.json. */
export type ParameterSource = Pick<Snapshot, 'clusterId' | 'environment' | 'server' | 'variables' | 'auditLogging'> & { engine?: string };
import { compareText } from '../crawl/rows';
import { auditStateOf } from '../parameters/audit-logging';
import { classifyVariable, compareWithDefault, type ParameterBaseline, type VariableClass } from '../parameters/baseline';
import { code, count, escText, link, table } from './markdown';
import { paths } from './paths';

/** Variables that name the server itself: they always differ between clusters, never a finding. */
export const IDENTITY_VARIABLES = new Set(['hostname', 'server_id', 'server_uuid', 'pid_file', 'report_host', 'wsrep_node_name', 'wsrep_node_address', 'log_bin_basename', 'log_bin_index', 'relay_log_basename', 'relay_log_index', 'general_log_file', 'slow_query_log_file', 'log_error']);

const show = (value: string | undefined) => (value === undefined ? '—' : value === '' ? "''" : code(value));

const KIND_LABEL: Record<VariableClass, string> = {
  choice: 'setting',
  computed: 'computed by the server',
  host: 'names this host',
  path: 'path',
  build: 'fixed by the build',
};

/** Which variables are compared between clusters: settings and paths, not ids, sizes the server picks or build facts. */
export function comparedBetweenClusters(name: string): boolean {
  const kind = classifyVariable(name);
  return (kind === 'choice' || kind === 'path') && !IDENTITY_VARIABLES.has(name);
}

/** Two clusters' values mean the same (ON/1, 128M/134217728, /usr and /usr/, list order). */
export function sameSetting(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return !compareWithDefault(a, b).differs;
}

interface Row {
  name: string;
  value: string;
  kind: VariableClass;
  def: string | undefined;
  differs: boolean | undefined;
  flags: string[] | undefined;
  peers: ParameterSource[];
}

/**
 * One cluster's parameters: first the settings an operator changed from the engine default
 * (with what each does), then what differs only because the server computed it or it names this
 * host or a path, then every variable.
 */
export function renderParametersPage(snapshot: ParameterSource, baseline: ParameterBaseline | undefined, peers: readonly ParameterSource[]): string {
  const cluster = snapshot.clusterId;
  const self = paths.parameters(cluster);
  const names = Object.keys(snapshot.variables).sort(compareText);
  const rows: Row[] = names.map((name) => {
    const value = snapshot.variables[name] ?? '';
    const def = baseline?.values[name];
    const cmp = def === undefined ? undefined : compareWithDefault(value, def);
    return {
      name,
      value,
      kind: classifyVariable(name),
      def,
      differs: cmp?.differs,
      flags: cmp?.flags,
      peers: comparedBetweenClusters(name) ? peers.filter((p) => !sameSetting(p.variables[name], value)) : [],
    };
  });
  const changed = rows.filter((r) => r.differs && r.kind === 'choice');
  const incidental = rows.filter((r) => r.differs && r.kind !== 'choice');
  const disagree = rows.filter((r) => r.peers.length > 0);
  const describe = (name: string) => escText(baseline?.descriptions?.[name] ?? '');
  const valueCell = (r: Row) => (r.flags ? r.flags.map(code).join(', ') : show(r.value));
  const defaultCell = (r: Row) => {
    if (!r.flags || r.def === undefined) return show(r.def);
    const base = new Map(r.def.split(',').map((f) => f.split('=') as [string, string]));
    return r.flags.map((f) => code(`${f.split('=')[0]}=${base.get(f.split('=')[0] ?? '') ?? '?'}`)).join(', ');
  };

  const audit = auditStateOf(snapshot);
  const out = [
    `# Parameters of ${code(cluster)}`,
    '',
    audit.enabled
      ? `Audit logging: **on** (${escText(audit.detail)}).`
      : `> **⚠ AUDIT LOGGING OFF** — ${escText(audit.detail)}. What users run on this cluster is not recorded: the evidence of every grant on it says so. Turn it on (docs/evidence.md).`,
    '',
    `${link(`cluster ${escText(cluster)}`, self, paths.clusterIndex(cluster))} · ${link(`${escText(snapshot.environment)} comparison`, self, paths.environmentParameters(snapshot.environment))} · ${link('fleet drift', self, paths.parameterDrift)} · server ${code(snapshot.server.version)}`,
    '',
    `${count(names.length)} variables (SHOW GLOBAL VARIABLES). ` +
      (baseline
        ? `${count(changed.length)} settings changed from the engine defaults, ${count(incidental.length)} more values differ because the server computed them or they name this host or a path (baseline ${code(baseline.id)}: ${escText(baseline.source)}). `
        : 'No baseline recorded for this engine version: defaults unknown. ') +
      `${count(disagree.length)} settings differ from other ${escText(snapshot.environment)} clusters (${peers.length ? peers.map((p) => code(p.clusterId)).join(', ') : 'none'}).`,
    '',
    '## Changed from the engine default',
    '',
    baseline
      ? changed.length
        ? table(['Setting', 'Value', 'Default', 'What it does'], changed.map((r) => [`**${code(r.name)}**`, valueCell(r), defaultCell(r), describe(r.name)]))
        : 'Every setting has its engine default.'
      : 'Unknown: no baseline for this engine version.',
    '',
  ];
  if (incidental.length) {
    out.push(
      '## Differs from the default, but not a choice',
      '',
      'Sized or derived by the server (memory, CPUs, other settings), naming this host, or paths set by the packaging.',
      '',
      table(['Variable', 'Kind', 'Value', 'Default'], incidental.map((r) => [code(r.name), KIND_LABEL[r.kind], show(r.value), show(r.def)])),
      '',
    );
  }
  out.push(
    '## All variables',
    '',
    table(
      ['Variable', 'Value', 'Default', 'Kind', 'Non-default', `Other ${escText(snapshot.environment)} clusters that differ`],
      rows.map((r) => [
        r.differs && r.kind === 'choice' ? `**${code(r.name)}**` : code(r.name),
        show(r.value),
        baseline ? show(r.def) : '',
        KIND_LABEL[r.kind],
        r.differs === undefined ? (baseline ? 'no baseline' : '') : r.differs ? (r.kind === 'choice' ? '**non-default**' : 'differs') : '',
        r.peers.map((p) => `${escText(p.clusterId)}: ${show(p.variables[r.name])}`).join('<br>'),
      ]),
    ),
    '',
  );
  return out.join('\n');
}

/** One environment: only the variables on which its clusters disagree. */
export function renderEnvironmentComparison(environment: string, snapshots: readonly ParameterSource[]): string {
  const self = paths.environmentParameters(environment);
  const sorted = [...snapshots].sort((a, b) => compareText(a.clusterId, b.clusterId));
  const names = [...new Set(sorted.flatMap((s) => Object.keys(s.variables)))].sort(compareText);
  const rows: string[][] = [];
  for (const name of names) {
    if (!comparedBetweenClusters(name)) continue;
    const values = sorted.map((s) => s.variables[name]);
    if (values.every((v) => sameSetting(v, values[0]))) continue;
    rows.push([code(name), ...values.map(show)]);
  }
  return [
    `# Parameters across ${code(environment)} clusters`,
    '',
    `${link('fleet index', self, paths.fleetIndex)} · ${link('fleet drift', self, paths.parameterDrift)} · clusters: ${sorted.map((s) => link(code(s.clusterId), self, paths.parameters(s.clusterId))).join(', ') || 'none'}`,
    '',
    sorted.length < 2
      ? 'Fewer than two clusters in this environment: nothing to compare.'
      : rows.length
        ? `${rows.length} settings differ between clusters (compared by meaning; host identity, computed sizes and build facts left out).`
        : 'All clusters agree on every variable (compared by meaning; host identity, computed sizes and build facts left out).',
    '',
    rows.length ? table(['Variable', ...sorted.map((s) => code(s.clusterId))], rows) : '',
    '',
  ].join('\n');
}

/**
 * Fleet parameter drift: per environment and engine, each setting on which the clusters
 * disagree, the value most of them have, and which clusters differ from it.
 */
export function renderParameterDrift(snapshots: readonly ParameterSource[]): string {
  const self = paths.parameterDrift;
  const groups = new Map<string, ParameterSource[]>();
  for (const s of snapshots) {
    const key = `${s.environment}\0${s.engine ?? s.server.flavor}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const out = ['# Parameter drift across the fleet', '', `${link('fleet index', self, paths.fleetIndex)}`, ''];
  out.push(
    'Settings on which clusters of the same environment and engine disagree (compared by meaning: `ON`/`1`, `128M`/`134217728`, paths with or without a trailing slash, lists in any order). The usual value is the one most clusters of the group have; host identity, values the server computes and build facts are left out.',
    '',
  );
  let any = false;
  for (const key of [...groups.keys()].sort(compareText)) {
    const members = [...(groups.get(key) ?? [])].sort((a, b) => compareText(a.clusterId, b.clusterId));
    const [environment, engine] = key.split('\0') as [string, string];
    out.push(`## ${code(environment)} · ${escText(engine)} (${members.length} cluster${members.length === 1 ? '' : 's'})`, '');
    if (members.length < 2) {
      out.push('One cluster: nothing to compare.', '');
      continue;
    }
    const names = [...new Set(members.flatMap((s) => Object.keys(s.variables)))].filter(comparedBetweenClusters).sort(compareText);
    const rows: string[][] = [];
    for (const name of names) {
      // Group clusters by meaning of the value; the biggest group (then the smallest value) is "usual".
      const buckets: Array<{ value: string | undefined; clusters: ParameterSource[] }> = [];
      for (const m of members) {
        const v = m.variables[name];
        const bucket = buckets.find((b) => sameSetting(b.value, v));
        if (bucket) bucket.clusters.push(m);
        else buckets.push({ value: v, clusters: [m] });
      }
      if (buckets.length < 2) continue;
      buckets.sort((a, b) => b.clusters.length - a.clusters.length || compareText(a.value ?? '', b.value ?? ''));
      const [usual, ...others] = buckets as [(typeof buckets)[number], ...typeof buckets];
      rows.push([
        code(name),
        `${show(usual.value)} (${usual.clusters.length} of ${members.length})`,
        others.flatMap((b) => b.clusters.map((c) => `${link(code(c.clusterId), self, paths.parameters(c.clusterId))}: ${show(b.value)}`)).join('<br>'),
      ]);
    }
    if (rows.length) {
      any = true;
      out.push(table(['Setting', 'Usual value', 'Clusters that differ'], rows), '');
    } else out.push('No drift: every cluster has the same settings.', '');
  }
  if (!any && groups.size === 0) out.push('No cluster documented yet.', '');
  return out.join('\n');
}
