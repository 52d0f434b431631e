import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { tableName, type Dynamo } from '@dbre/store';

/**
 * Doc-crawler runs from the `crawls` table (clusterId + startedAt). The reader is lenient: it
 * shows what a run item carries under the names the crawler uses and ignores the rest, so a new
 * field in the crawler never breaks the dashboard.
 */
const change = z
  .object({
    kind: z.string().max(100).optional(),
    object: z.string().max(500).optional(),
    table: z.string().max(500).optional(),
    path: z.string().max(1000).optional(),
    summary: z.string().max(2000).optional(),
  })
  .passthrough();

export const crawlRun = z
  .object({
    clusterId: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    durationMs: z.number().optional(),
    status: z.string().max(50).optional(),
    result: z.string().max(50).optional(),
    error: z.string().max(4000).optional(),
    runId: z.string().max(200).optional(),
    docsUrl: z.string().max(2000).optional(),
    docsPath: z.string().max(2000).optional(),
    changes: z.array(change).max(500).optional(),
    changelog: z.array(change).max(500).optional(),
    tables: z.number().optional(),
  })
  .passthrough();
export type CrawlRun = z.output<typeof crawlRun>;

export interface ClusterCrawls {
  clusterId: string;
  last: CrawlRun | undefined;
  /** The latest runs, newest first (for the changelog). */
  recent: CrawlRun[];
}

export interface CrawlsRead {
  byCluster(clusterIds?: readonly string[]): Promise<ClusterCrawls[]>;
}

export function createCrawlsRead(deps: { dynamo: Dynamo; recentRuns?: number }): CrawlsRead {
  const { doc } = deps.dynamo;
  const TableName = tableName(deps.dynamo.tablePrefix, 'crawls');
  const recentRuns = deps.recentRuns ?? 5;

  /** Cluster ids seen in the table (one bounded scan of keys only), when the caller has no inventory. */
  async function knownClusters(): Promise<string[]> {
    const ids = new Set<string>();
    let start: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const out = await doc.send(new ScanCommand({ TableName, ProjectionExpression: 'clusterId', ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of out.Items ?? []) if (typeof item['clusterId'] === 'string') ids.add(item['clusterId']);
      start = out.LastEvaluatedKey;
    } while (start && ++pages < 20);
    return [...ids];
  }

  return {
    async byCluster(clusterIds) {
      const ids = [...new Set(clusterIds ?? (await knownClusters()))].sort();
      return Promise.all(
        ids.map(async (clusterId) => {
          const out = await doc.send(
            new QueryCommand({ TableName, KeyConditionExpression: 'clusterId = :c', ExpressionAttributeValues: { ':c': clusterId }, ScanIndexForward: false, Limit: recentRuns }),
          );
          const recent = (out.Items ?? []).flatMap((item) => {
            const parsed = crawlRun.safeParse(item);
            return parsed.success ? [parsed.data] : [];
          });
          return { clusterId, last: recent[0], recent };
        }),
      );
    },
  };
}
