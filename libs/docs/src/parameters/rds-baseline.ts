// Types only at load time: the RDS SDK takes about a second to load, and only the service on AWS
// needs it (the CLI and local runs never do).
import type { Parameter, RDSClient } from '@aws-sdk/client-rds';
import type { ParameterBaseline } from './baseline';

/**
 * The AWS baseline: the engine defaults of an RDS parameter group family (the values a
 * parameter group with source "engine-default" holds), cluster-level and instance-level
 * merged, e.g. family `aurora-mysql8.0` for Aurora MySQL 3 (whose VERSION() is 8.0.x).
 */
export async function loadRdsEngineDefaults(rds: RDSClient, family: string): Promise<ParameterBaseline> {
  const { DescribeEngineDefaultClusterParametersCommand, DescribeEngineDefaultParametersCommand } = await import('@aws-sdk/client-rds');
  const values: Record<string, string> = {};
  const descriptions: Record<string, string> = {};
  const take = (params: readonly Parameter[] | undefined) => {
    for (const p of params ?? []) {
      if (p.ParameterName && p.Description) descriptions[p.ParameterName] = p.Description;
      // Defaults that depend on the instance class ({DBInstanceClassMemory*3/4}) have no fixed value.
      if (p.ParameterName && p.ParameterValue !== undefined && !p.ParameterValue.startsWith('{')) values[p.ParameterName] = p.ParameterValue;
    }
  };
  let marker: string | undefined;
  do {
    const out = await rds.send(new DescribeEngineDefaultParametersCommand({ DBParameterGroupFamily: family, MaxRecords: 100, Marker: marker }));
    take(out.EngineDefaults?.Parameters);
    marker = out.EngineDefaults?.Marker;
  } while (marker);
  if (family.startsWith('aurora')) {
    do {
      const out = await rds.send(new DescribeEngineDefaultClusterParametersCommand({ DBParameterGroupFamily: family, MaxRecords: 100, Marker: marker }));
      take(out.EngineDefaults?.Parameters);
      marker = out.EngineDefaults?.Marker;
    } while (marker);
  }
  const m = /(\d+)\.(\d+)$/.exec(family);
  if (!m) throw new Error(`cannot tell the engine version of parameter group family ${family}`);
  return {
    id: family,
    flavor: /mariadb/.test(family) ? 'mariadb' : 'mysql',
    version: `${m[1]}.${m[2]}`,
    source: `RDS engine defaults of ${family}`,
    values: sorted(values),
    ...(Object.keys(descriptions).length ? { descriptions: sorted(descriptions) } : {}),
  };
}

const sorted = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
