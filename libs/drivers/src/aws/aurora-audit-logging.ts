import { DescribeDBClusterParametersCommand, DescribeDBClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import { awsErrorName } from './backoff';

export interface AuditLoggingState {
  enabled: boolean;
  detail: string;
}

/**
 * Whether an Aurora MySQL cluster's Advanced Auditing reaches CloudWatch Logs: its DB cluster
 * parameter group sets `server_audit_logging` on and the cluster exports the `audit` log.
 * undefined when the cluster is not found (unknown). IAM: rds:DescribeDBClusters,
 * rds:DescribeDBClusterParameters.
 */
export async function auroraAuditLogging(rds: RDSClient, clusterIdentifier: string): Promise<AuditLoggingState | undefined> {
  let cluster;
  try {
    cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterIdentifier }))).DBClusters?.[0];
  } catch (err) {
    if (awsErrorName(err) === 'DBClusterNotFoundFault') return undefined;
    throw err;
  }
  if (!cluster?.DBClusterParameterGroup) return undefined;
  const group = cluster.DBClusterParameterGroup;
  let value: string | undefined;
  let events: string | undefined;
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: group, MaxRecords: 100, ...(marker ? { Marker: marker } : {}) }));
    for (const p of page.Parameters ?? []) {
      if (p.ParameterName === 'server_audit_logging') value = p.ParameterValue;
      if (p.ParameterName === 'server_audit_events') events = p.ParameterValue;
    }
    marker = page.Marker;
  } while (marker);
  const on = value === '1' || value?.toUpperCase() === 'ON';
  const exported = (cluster.EnabledCloudwatchLogsExports ?? []).includes('audit');
  if (!on) return { enabled: false, detail: `server_audit_logging is ${value ?? 'not set (default off)'} in the cluster parameter group ${group}` };
  if (!exported) return { enabled: false, detail: `server_audit_logging is on in ${group}, but the cluster does not export the audit log to CloudWatch Logs` };
  return { enabled: true, detail: `server_audit_logging on in ${group}, events ${events ?? '(default)'}, audit log exported to CloudWatch Logs` };
}
