import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { tableName, type Dynamo } from '@dbre/store';

/**
 * Schema reviews from the `reviews` table, if schema-review stores them. Lenient like the crawl
 * reader: it shows the fields it knows and ignores the rest.
 */
const finding = z
  .object({
    rule: z.string().max(200).optional(),
    ruleId: z.string().max(200).optional(),
    severity: z.string().max(50).optional(),
    level: z.string().max(50).optional(),
    message: z.string().max(4000).optional(),
    line: z.number().optional(),
    column: z.number().optional(),
    table: z.string().max(500).optional(),
    fix: z.string().max(4000).optional(),
  })
  .passthrough();

export const storedReview = z
  .object({
    id: z.string(),
    createdAt: z.string().optional(),
    at: z.string().optional(),
    source: z.string().max(100).optional(),
    title: z.string().max(500).optional(),
    author: z.string().max(254).optional(),
    verdict: z.string().max(50).optional(),
    dialect: z.string().max(100).optional(),
    cluster: z.string().max(200).optional(),
    schema: z.string().max(200).optional(),
    excerpt: z.string().max(10_000).optional(),
    findingsTruncated: z.boolean().optional(),
    findings: z.array(finding).max(1000).optional(),
  })
  .passthrough();
export type StoredReview = z.output<typeof storedReview>;

export interface ReviewsRead {
  /** Newest first; `available` is false when the table does not exist (schema-review not deployed). */
  recent(limit?: number): Promise<{ available: boolean; items: StoredReview[] }>;
  /** One review; undefined when unknown (or the table does not exist). */
  get(id: string): Promise<StoredReview | undefined>;
}

export function createReviewsRead(deps: { dynamo: Dynamo; maxScan?: number }): ReviewsRead {
  const TableName = tableName(deps.dynamo.tablePrefix, 'reviews');
  const maxScan = deps.maxScan ?? 2000;
  return {
    async recent(limit = 50) {
      const items: StoredReview[] = [];
      let start: Record<string, unknown> | undefined;
      try {
        do {
          const out = await deps.dynamo.doc.send(new ScanCommand({ TableName, Limit: 500, ...(start ? { ExclusiveStartKey: start } : {}) }));
          for (const item of out.Items ?? []) {
            const parsed = storedReview.safeParse(item);
            if (parsed.success) items.push(parsed.data);
          }
          start = out.LastEvaluatedKey;
        } while (start && items.length < maxScan);
      } catch (err) {
        if ((err as Error).name === 'ResourceNotFoundException') return { available: false, items: [] };
        throw err;
      }
      const time = (r: StoredReview) => r.createdAt ?? r.at ?? '';
      return { available: true, items: items.sort((a, b) => time(b).localeCompare(time(a)) || b.id.localeCompare(a.id)).slice(0, limit) };
    },
    async get(id) {
      try {
        const out = await deps.dynamo.doc.send(new GetCommand({ TableName, Key: { id } }));
        const parsed = storedReview.safeParse(out.Item);
        return parsed.success ? parsed.data : undefined;
      } catch (err) {
        if ((err as Error).name === 'ResourceNotFoundException') return undefined;
        throw err;
      }
    },
  };
}
