import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { parseAuditLine, sortAuditRecords } from '../audit-log-line';
import type { AuditQuery, AuditRecord, AuditRecords, AuditSource } from '../ports';

export interface CloudWatchAuditSourceOptions {
  /** Region of a cluster when it is not the default one. */
  regionOf?: (clusterId: string) => string | Promise<string>;
  region: string;
  /** The RDS DB cluster identifier of a platform cluster id (the inventory's `dbre:cluster-id` tag may differ). */
  clusterIdentifierOf?: (clusterId: string) => string | Promise<string>;
  /** Grace around the window for clock skew. Default 1000 ms. */
  slackMs?: number;
  /** Page size asked of FilterLogEvents (the service caps it at 10,000). */
  pageSize?: number;
}

/** Aurora MySQL publishes Advanced Auditing records to this group when the cluster exports `audit` logs. */
export function auroraAuditLogGroup(clusterIdentifier: string): string {
  return `/aws/rds/cluster/${clusterIdentifier}/audit`;
}

const USER = /^[A-Za-z0-9_.@$-]{1,80}$/;

/**
 * AuditSource over Aurora MySQL Advanced Auditing in CloudWatch Logs: FilterLogEvents on the
 * cluster's audit log group (every instance's stream) for the user's name as an exact term, page
 * by page until no nextToken, then parses each message and keeps only the records whose username
 * field is exactly the user (the term also matches statements that merely mention the name).
 */
export class CloudWatchAuditSource implements AuditSource {
  constructor(
    private readonly logs: (region: string) => CloudWatchLogsClient,
    private readonly options: CloudWatchAuditSourceOptions,
  ) {}

  async records(query: AuditQuery): Promise<AuditRecords> {
    if (!USER.test(query.user)) throw new Error(`refused audit user name ${JSON.stringify(query.user)}`);
    const region = (await this.options.regionOf?.(query.clusterId)) ?? this.options.region;
    const identifier = (await this.options.clusterIdentifierOf?.(query.clusterId)) ?? query.clusterId;
    const logGroupName = auroraAuditLogGroup(identifier);
    const slack = this.options.slackMs ?? 1000;
    const client = this.logs(region);
    const records: AuditRecord[] = [];
    const seen = new Set<string>();
    let nextToken: string | undefined;
    do {
      const out = await client.send(
        new FilterLogEventsCommand({
          logGroupName,
          startTime: query.from.getTime() - slack,
          endTime: query.to.getTime() + slack,
          filterPattern: `"${query.user}"`,
          ...(this.options.pageSize ? { limit: this.options.pageSize } : {}),
          ...(nextToken ? { nextToken } : {}),
        }),
        query.signal ? { abortSignal: query.signal } : {},
      );
      for (const event of out.events ?? []) {
        if (!event.message) continue;
        const key = event.eventId ?? `${event.logStreamName}:${event.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const record = parseAuditLine(event.message.replace(/\r?\n$/, ''));
        if (record && record.user === query.user) records.push(record);
      }
      // An empty page may still carry a token: the service searched part of the range only.
      nextToken = out.nextToken;
    } while (nextToken);
    return { records: sortAuditRecords(records), source: `aurora-advanced-auditing:${logGroupName}`, warnings: [] };
  }
}
