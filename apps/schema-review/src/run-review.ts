import { loadLiveSchema, reviewSql, secondOpinion, type AiOpinion, type ContextStatus, type LiveSchema, type ReviewResult } from '@dbre/review';
import type { SchemaReviewDeps } from './app';

export type Dialect = 'mysql80' | 'mysql57' | 'mariadb';

export interface ReviewInput {
  sql: string;
  dialect?: Dialect | undefined;
  cluster?: string | undefined;
  schema?: string | undefined;
  ai?: boolean | undefined;
}

/** A refusal the caller turns into its own answer (problem+json, modal error, Slack message). */
export interface ReviewRefusal {
  status: 413 | 422;
  code: 'REVIEW_SQL_TOO_LARGE' | 'REVIEW_CONTEXT_INCOMPLETE' | 'REVIEW_NO_STATEMENTS';
  title: string;
  detail: string;
}

export type ReviewOutcome = { ok: true; result: ReviewResult; ai?: AiOpinion } | { ok: false; refusal: ReviewRefusal };

/** One review, the same for REST and Slack: size limit, live context, rules, optional AI. */
export async function runReview(review: SchemaReviewDeps['review'], input: ReviewInput): Promise<ReviewOutcome> {
  const bytes = Buffer.byteLength(input.sql, 'utf8');
  if (bytes > review.maxSqlBytes) {
    return {
      ok: false,
      refusal: {
        status: 413,
        code: 'REVIEW_SQL_TOO_LARGE',
        title: 'DDL too large',
        detail: `The DDL is ${bytes} bytes; this service reviews at most ${review.maxSqlBytes} bytes per request. Split the migration into smaller files, or run the CLI (npm run review) which takes --max-bytes.`,
      },
    };
  }
  if ((input.cluster && !input.schema) || (!input.cluster && input.schema)) {
    return { ok: false, refusal: { status: 422, code: 'REVIEW_CONTEXT_INCOMPLETE', title: 'Unprocessable review', detail: 'Give both "cluster" and "schema" to compare with the live database, or neither.' } };
  }
  let live: LiveSchema | undefined;
  let context: ContextStatus = { status: 'not-requested' };
  if (input.cluster && input.schema) {
    const source = review.readSnapshot ?? review.snapshotDir;
    const found = source ? await loadLiveSchema(source, input.cluster, input.schema) : { status: 'missing' as const, reason: 'this service has no snapshot source configured' };
    if (found.status === 'found') {
      live = found.live;
      context = { status: 'found', cluster: input.cluster, schema: found.live.schema, ...(found.live.generatedAt ? { generatedAt: found.live.generatedAt } : {}) };
    } else context = { status: 'missing', cluster: input.cluster, schema: input.schema, reason: found.reason };
  }
  const config = input.dialect ? { ...review.config, dialect: input.dialect } : review.config;
  const options = { config, context, ...(live ? { live } : {}) };
  const result = review.pool ? await review.pool.review(input.sql, options) : reviewSql(input.sql, options);
  if (result.summary.statements === 0) {
    return { ok: false, refusal: { status: 422, code: 'REVIEW_NO_STATEMENTS', title: 'Nothing to review', detail: 'The text holds no SQL statement (only comments or whitespace).' } };
  }
  if (!input.ai) return { ok: true, result };
  const ai: AiOpinion = review.ai
    ? await secondOpinion({ provider: review.ai.provider, cache: review.ai.cache, timeoutMs: review.ai.timeoutMs, sql: input.sql, result })
    : { status: 'unavailable', label: 'AI', provider: 'none', model: 'none', reason: 'no AI provider is configured on this service (AI_PROVIDER=none)' };
  return { ok: true, result, ai };
}
