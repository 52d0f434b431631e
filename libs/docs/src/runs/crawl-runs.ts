import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tableName, type Dynamo } from '@dbre/store';

/**
 * Crawl history in the `crawls` table (hash clusterId, range startedAt). A fleet run is one
 * item under the reserved hash key `_fleet` (cluster ids start with a letter, so it cannot
 * collide); each cluster crawl of the run is an item under its cluster id. In both, the range
 * key is the run id, which starts with the run's start time and so sorts by time.
 */
export const FLEET_KEY = '_fleet';

export type RunStatus = 'queued' | 'running' | 'done';

export interface CrawlRunRecord {
  runId: string;
  status: RunStatus;
  trigger: 'api' | 'schedule' | 'cli';
  /** Clusters of the run. */
  clusterIds: string[];
  requestedAt: string;
  finishedAt?: string;
  failed?: string[];
  filesWritten?: number;
}

export interface ClusterCrawlRecord {
  clusterId: string;
  runId: string;
  status: 'running' | 'ok' | 'failed';
  attempt?: number;
  finishedAt?: string;
  error?: string;
  code?: string;
  changed?: boolean;
  changes?: number;
  filesWritten?: number;
  tables?: number;
  schemas?: number;
  serverVersion?: string;
  durationMs?: number;
}

export interface CrawlRunsRepo {
  createRun(run: CrawlRunRecord): Promise<void>;
  updateRun(runId: string, patch: Partial<Omit<CrawlRunRecord, 'runId'>>): Promise<void>;
  getRun(runId: string): Promise<(CrawlRunRecord & { clusters: ClusterCrawlRecord[] }) | undefined>;
  listRuns(limit: number): Promise<CrawlRunRecord[]>;
  putClusterCrawl(record: ClusterCrawlRecord): Promise<void>;
  listClusterCrawls(clusterId: string, limit: number): Promise<ClusterCrawlRecord[]>;
}

function strip<T extends Record<string, unknown>>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { clusterId: _c, startedAt: _s, ...rest } = item;
  return rest as T;
}

export function createCrawlRunsRepo(deps: { dynamo: Dynamo }): CrawlRunsRepo {
  const TableName = tableName(deps.dynamo.tablePrefix, 'crawls');
  const doc = deps.dynamo.doc;

  const update = async (clusterId: string, runId: string, patch: Record<string, unknown>) => {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    await doc.send(
      new UpdateCommand({
        TableName,
        Key: { clusterId, startedAt: runId },
        UpdateExpression: `SET ${entries.map((_, i) => `#k${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#k${i}`, k])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
      }),
    );
  };

  return {
    async createRun(run) {
      // Idempotent: a retried request or job writes the same item once.
      try {
        await doc.send(new PutCommand({ TableName, Item: { clusterId: FLEET_KEY, startedAt: run.runId, ...run }, ConditionExpression: 'attribute_not_exists(clusterId)' }));
      } catch (err) {
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
      }
    },
    async updateRun(runId, patch) {
      await update(FLEET_KEY, runId, patch);
    },
    async getRun(runId) {
      const out = await doc.send(new GetCommand({ TableName, Key: { clusterId: FLEET_KEY, startedAt: runId }, ConsistentRead: true }));
      const run = strip<Record<string, unknown>>(out.Item) as CrawlRunRecord | undefined;
      if (!run) return undefined;
      const clusters: ClusterCrawlRecord[] = [];
      for (const clusterId of run.clusterIds) {
        const c = await doc.send(new GetCommand({ TableName, Key: { clusterId, startedAt: runId }, ConsistentRead: true }));
        clusters.push(c.Item ? ({ ...strip<Record<string, unknown>>(c.Item), clusterId } as ClusterCrawlRecord) : { clusterId, runId, status: 'running' });
      }
      return { ...run, clusters };
    },
    async listRuns(limit) {
      const out = await doc.send(new QueryCommand({ TableName, KeyConditionExpression: 'clusterId = :f', ExpressionAttributeValues: { ':f': FLEET_KEY }, ScanIndexForward: false, Limit: limit }));
      return (out.Items ?? []).map((i) => strip<Record<string, unknown>>(i) as unknown as CrawlRunRecord);
    },
    async putClusterCrawl(record) {
      await update(record.clusterId, record.runId, { ...record, clusterId: undefined, runId: record.runId });
    },
    async listClusterCrawls(clusterId, limit) {
      const out = await doc.send(new QueryCommand({ TableName, KeyConditionExpression: 'clusterId = :c', ExpressionAttributeValues: { ':c': clusterId }, ScanIndexForward: false, Limit: limit }));
      return (out.Items ?? []).map((i) => ({ ...strip<Record<string, unknown>>(i), clusterId }) as ClusterCrawlRecord);
    },
  };
}
