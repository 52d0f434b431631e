import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { tableName, type Dynamo } from '@dbre/store';
import type { ReviewResult } from '@dbre/review';
import type { Logger } from '@dbre/service-kit';
import { ulid } from 'ulid';

/** Kept small: the dashboard lists reviews, it is not an archive of migrations. */
export const STORE_LIMITS = { findings: 100, message: 500, excerpt: 200, title: 120 } as const;

export interface StoreInput {
  source: 'rest' | 'slack';
  sql: string;
  result: ReviewResult;
  dialect: string;
  cluster?: string | undefined;
  schema?: string | undefined;
  /** Who asked, when known (Slack: `slack:<user id>`). */
  author?: string | undefined;
}

export interface StoredReviewItem {
  id: string;
  createdAt: string;
  source: 'rest' | 'slack';
  title: string;
  verdict: 'fail' | 'warn' | 'pass';
  dialect: string;
  cluster?: string;
  schema?: string;
  author?: string;
  excerpt: string;
  summary: ReviewResult['summary'];
  findings: Array<{ ruleId: string; severity: string; message: string; line: number; column: number; fix?: string }>;
  findingsTruncated: boolean;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The item written to the `reviews` table: summary and findings, only a short excerpt of the SQL. */
export function storedReviewOf(input: StoreInput, now = new Date()): StoredReviewItem {
  const { summary, findings } = input.result;
  const text = input.sql.replace(/\s+/g, ' ').trim();
  const first = input.result.statements[0];
  const title = `${summary.statements} statement(s)${first?.table ? `: ${first.kind.replaceAll('_', ' ').toUpperCase()} ${first.table}` : ''}${summary.statements > 1 ? ' …' : ''}`;
  return {
    id: ulid(now.getTime()),
    createdAt: now.toISOString(),
    source: input.source,
    title: clip(title, STORE_LIMITS.title),
    verdict: summary.errors ? 'fail' : summary.warnings ? 'warn' : 'pass',
    dialect: input.dialect,
    ...(input.cluster ? { cluster: input.cluster } : {}),
    ...(input.schema ? { schema: input.schema } : {}),
    ...(input.author ? { author: input.author } : {}),
    excerpt: clip(text, STORE_LIMITS.excerpt),
    summary,
    findings: findings.slice(0, STORE_LIMITS.findings).map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: clip(f.message, STORE_LIMITS.message),
      line: f.line,
      column: f.column,
      // The dashboard's review page shows what to do about it.
      ...(f.fix ? { fix: clip(f.fix, STORE_LIMITS.message) } : {}),
    })),
    findingsTruncated: findings.length > STORE_LIMITS.findings,
  };
}

export interface ReviewStore {
  /** Stores one review with a single PutItem; never throws (a failure is logged). Returns the id when stored. */
  save(input: StoreInput): Promise<string | undefined>;
}

export function createReviewStore(deps: { dynamo: Dynamo; logger: Logger; timeoutMs?: number }): ReviewStore {
  const TableName = tableName(deps.dynamo.tablePrefix, 'reviews');
  return {
    async save(input) {
      const item = storedReviewOf(input);
      try {
        // Bounded: a slow or unreachable DynamoDB must not hold the review's answer for long.
        await deps.dynamo.doc.send(new PutCommand({ TableName, Item: item, ConditionExpression: 'attribute_not_exists(id)' }), { abortSignal: AbortSignal.timeout(deps.timeoutMs ?? 2000) });
        return item.id;
      } catch (err) {
        deps.logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, source: input.source }, 'could not store the review (the review itself was answered)');
        return undefined;
      }
    },
  };
}
