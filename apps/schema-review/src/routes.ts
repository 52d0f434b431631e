import { z } from 'zod';
import { guards, sendProblem, type HttpApp } from '@dbre/service-kit';
import { ALL_RULES } from '@dbre/review';
import type { SchemaReviewDeps } from './app';
import type { ReviewStore } from './review-store';
import { runReview } from './run-review';

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
  server: z.object({ dialect: z.string(), version: z.string(), source: z.enum(['snapshot', 'config']) }).describe('the server the online DDL verdicts are for (the snapshot version beats the configured one)'),
  ai: z.unknown().optional().describe('the AI second opinion, labelled "AI"; status ok or unavailable'),
});

const ruleList = z.object({
  rules: z.array(z.object({ id: z.string(), category: z.string(), severity: z.string(), title: z.string(), rationale: z.string(), fix: z.string() })),
});

/** The route map of schema-review. */
export function registerRoutes(app: HttpApp, deps: SchemaReviewDeps & { store?: ReviewStore | undefined }): void {
  const { review } = deps;

  app.post('/v1/reviews', { config: { guard: guards.scope('reviews'), idempotent: true }, schema: { body: reviewBody, response: { 200: reviewResponse } } }, async (request, reply) => {
    const body = request.body;
    const outcome = await runReview(review, body);
    if (!outcome.ok) return sendProblem(reply, { type: 'about:blank', ...outcome.refusal, instance: request.id });
    const { result, ai } = outcome;
    if (ai && ai.status !== 'ok') request.log.warn({ reason: ai.reason }, 'AI second opinion unavailable');
    request.log.info({ statements: result.summary.statements, errors: result.summary.errors, warnings: result.summary.warnings, context: result.context.status, ai: ai?.status }, 'review done');
    await deps.store?.save({ source: 'rest', sql: body.sql, result, dialect: body.dialect ?? review.config.dialect, cluster: body.cluster, schema: body.schema });
    return { ...result, ...(ai ? { ai } : {}) };
  });

  app.get('/v1/rules', { config: { guard: guards.scope('reviews') }, schema: { response: { 200: ruleList } } }, async () => ({
    rules: ALL_RULES.map((r) => ({ id: r.id, category: r.category, severity: r.severity, title: r.title, rationale: r.rationale, fix: r.fix })),
  }));
}
