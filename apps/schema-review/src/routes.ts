import { z } from 'zod';
import { sendProblem, type HttpApp } from '@dbre/service-kit';
import { ALL_RULES, loadLiveSchema, reviewSql, secondOpinion, type AiOpinion, type ContextStatus, type LiveSchema } from '@dbre/review';
import type { SchemaReviewDeps } from './app';

const reviewBody = z.object({
  sql: z.string().min(1, 'give the DDL to review in "sql"'),
  dialect: z.enum(['mysql80', 'mysql57', 'mariadb']).optional(),
  cluster: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'a cluster id: lower-case letters, digits and dashes').optional(),
  schema: z.string().regex(/^[A-Za-z0-9_$]{1,64}$/, 'a schema name').optional(),
  ai: z.boolean().default(false),
});

const finding = z.object({
  ruleId: z.string(),
  category: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  line: z.number(),
  column: z.number(),
  fix: z.string().optional(),
  statement: z.number(),
  suppressed: z.object({ reason: z.string() }).optional(),
});

const reviewResponse = z.object({
  summary: z.object({ statements: z.number(), unparsed: z.number(), errors: z.number(), warnings: z.number(), infos: z.number(), suppressed: z.number(), highest: z.enum(['error', 'warning', 'info']).nullable() }),
  findings: z.array(finding),
  suppressed: z.array(finding),
  statements: z.array(z.object({ index: z.number(), line: z.number(), kind: z.string(), table: z.string().optional(), onlineDdl: z.unknown().optional().describe('INSTANT/INPLACE/COPY verdict with each clause') })),
  context: z.object({ status: z.enum(['not-requested', 'found', 'missing']), cluster: z.string().optional(), schema: z.string().optional(), reason: z.string().optional(), generatedAt: z.string().optional() }),
  ai: z.unknown().optional().describe('the AI second opinion, labelled "AI"; status ok or unavailable'),
});

const ruleList = z.object({
  rules: z.array(z.object({ id: z.string(), category: z.string(), severity: z.string(), title: z.string(), rationale: z.string(), fix: z.string() })),
});

/** The route map of schema-review. */
export function registerRoutes(app: HttpApp, deps: SchemaReviewDeps): void {
  const { review } = deps;

  app.post('/v1/reviews', { schema: { body: reviewBody, response: { 200: reviewResponse } } }, async (request, reply) => {
    const body = request.body;
    const bytes = Buffer.byteLength(body.sql, 'utf8');
    if (bytes > review.maxSqlBytes) {
      return sendProblem(reply, {
        type: 'about:blank',
        title: 'DDL too large',
        status: 413,
        code: 'REVIEW_SQL_TOO_LARGE',
        detail: `The DDL is ${bytes} bytes; this service reviews at most ${review.maxSqlBytes} bytes per request. Split the migration into smaller files, or run the CLI (npm run review) which takes --max-bytes.`,
        instance: request.id,
      });
    }
    if ((body.cluster && !body.schema) || (!body.cluster && body.schema)) {
      return sendProblem(reply, { type: 'about:blank', title: 'Unprocessable review', status: 422, code: 'REVIEW_CONTEXT_INCOMPLETE', detail: 'Give both "cluster" and "schema" to compare with the live database, or neither.', instance: request.id });
    }
    let live: LiveSchema | undefined;
    let context: ContextStatus = { status: 'not-requested' };
    if (body.cluster && body.schema) {
      const found = await loadLiveSchema(review.snapshotDir, body.cluster, body.schema);
      if (found.status === 'found') {
        live = found.live;
        context = { status: 'found', cluster: body.cluster, schema: found.live.schema, ...(found.live.generatedAt ? { generatedAt: found.live.generatedAt } : {}) };
      } else context = { status: 'missing', cluster: body.cluster, schema: body.schema, reason: found.reason };
    }
    const config = body.dialect ? { ...review.config, dialect: body.dialect } : review.config;
    const result = reviewSql(body.sql, { config, context, ...(live ? { live } : {}) });
    if (result.summary.statements === 0) {
      return sendProblem(reply, { type: 'about:blank', title: 'Nothing to review', status: 422, code: 'REVIEW_NO_STATEMENTS', detail: 'The text holds no SQL statement (only comments or whitespace).', instance: request.id });
    }
    let ai: AiOpinion | undefined;
    if (body.ai) {
      ai = review.ai
        ? await secondOpinion({ provider: review.ai.provider, cache: review.ai.cache, timeoutMs: review.ai.timeoutMs, sql: body.sql, result })
        : { status: 'unavailable', label: 'AI', provider: 'none', model: 'none', reason: 'no AI provider is configured on this service (AI_PROVIDER=none)' };
      if (ai.status !== 'ok') request.log.warn({ reason: ai.reason }, 'AI second opinion unavailable');
    }
    request.log.info({ statements: result.summary.statements, errors: result.summary.errors, warnings: result.summary.warnings, context: context.status, ai: ai?.status }, 'review done');
    return { ...result, ...(ai ? { ai } : {}) };
  });

  app.get('/v1/rules', { schema: { response: { 200: ruleList } } }, async () => ({
    rules: ALL_RULES.map((r) => ({ id: r.id, category: r.category, severity: r.severity, title: r.title, rationale: r.rationale, fix: r.fix })),
  }));
}
