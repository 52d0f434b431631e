import { z } from 'zod';
import { guards, okResponse, problems, sendProblem, type HttpApp } from '@dbre/service-kit';
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

const security = [{ bearer: [] }];

const EXAMPLE_SQL = 'ALTER TABLE orders ADD COLUMN gift_note varchar(200), ALGORITHM=INSTANT;';

const EXAMPLE_FINDING = {
  ruleId: 'column-not-null',
  category: 'column',
  severity: 'warning' as const,
  message: 'Column `gift_note` allows NULL (nothing says NOT NULL).',
  line: 1,
  column: 36,
  fix: 'Declare `NOT NULL DEFAULT <value>`, or list the column as exempt (e.g. `deleted_at`).',
  statement: 0,
};

const EXAMPLE_REVIEW = {
  summary: { statements: 1, unparsed: 0, errors: 0, warnings: 2, infos: 0, suppressed: 0, highest: 'warning' as const },
  findings: [
    EXAMPLE_FINDING,
    { ...EXAMPLE_FINDING, ruleId: 'column-require-comment', message: 'Column `gift_note` has no comment.', fix: "Add `COMMENT '...'` to the column." },
  ],
  suppressed: [],
  statements: [
    {
      index: 0,
      line: 1,
      kind: 'alter-table',
      table: 'orders',
      onlineDdl: { algorithm: 'INSTANT', lock: 'NONE', rebuild: false, clauses: [{ clause: 'ADD COLUMN gift_note', algorithm: 'INSTANT', lock: 'NONE', rebuild: false, reason: 'adding a column is INSTANT on MySQL 8.0.29+' }] },
    },
  ],
  context: { status: 'found' as const, cluster: 'orders-prod', schema: 'orders', generatedAt: '2026-12-02T03:00:12.000Z' },
  server: { dialect: 'mysql80', version: '8.0.39', source: 'snapshot' as const },
};

/** The route map of schema-review. */
export function registerRoutes(app: HttpApp, deps: SchemaReviewDeps & { store?: ReviewStore | undefined }): void {
  const { review } = deps;

  app.post(
    '/v1/reviews',
    {
      config: { guard: guards.scope('reviews'), idempotent: true },
      schema: {
        summary: 'Review MySQL DDL',
        description:
          'Runs every rule on the DDL, gives an online DDL verdict (INSTANT / INPLACE / COPY) per ALTER, compares with the live schema when `cluster` and `schema` are given (latest doc-crawler snapshot) and, with `ai: true` and a model configured, adds a second opinion labelled AI. A computation, not a resource: 200 (the copy kept for the dashboard has no API address).',
        tags: ['review'],
        security,
        body: reviewBody.meta({ examples: [{ sql: EXAMPLE_SQL, dialect: 'mysql80', cluster: 'orders-prod', schema: 'orders', ai: false }] }),
        response: {
          200: okResponse(reviewResponse, { description: 'Findings (errors, warnings, infos), per-statement verdicts, the context used', example: EXAMPLE_REVIEW }),
          ...problems({
            413: { REVIEW_SQL_TOO_LARGE: 'The DDL is 250112 bytes; this service reviews at most 200000 bytes per request. Split the migration into smaller files, or run the CLI (npm run review) which takes --max-bytes.' },
            422: {
              REVIEW_CONTEXT_INCOMPLETE: 'Give both "cluster" and "schema" to compare with the live database, or neither.',
              REVIEW_NO_STATEMENTS: 'The text holds no SQL statement (only comments or whitespace).',
            },
          }),
        },
      },
    },
    async (request, reply) => {
    const body = request.body;
    const outcome = await runReview(review, body);
    if (!outcome.ok) return sendProblem(reply, { type: 'about:blank', ...outcome.refusal, instance: request.id });
    const { result, ai } = outcome;
    if (ai && ai.status !== 'ok') request.log.warn({ reason: ai.reason }, 'AI second opinion unavailable');
    request.log.info({ statements: result.summary.statements, errors: result.summary.errors, warnings: result.summary.warnings, context: result.context.status, ai: ai?.status }, 'review done');
    await deps.store?.save({ source: 'rest', sql: body.sql, result, dialect: body.dialect ?? review.config.dialect, cluster: body.cluster, schema: body.schema });
    return { ...result, ...(ai ? { ai } : {}) };
    },
  );

  app.get(
    '/v1/rules',
    {
      config: { guard: guards.scope('reviews') },
      schema: {
        summary: 'Every rule the reviewer applies',
        tags: ['review'],
        security,
        response: {
          200: okResponse(ruleList, {
            description: 'Each rule with its category, default severity, why it exists and how to fix what it finds',
            example: {
              rules: [
                {
                  id: 'column-not-null',
                  category: 'column',
                  severity: 'warning',
                  title: 'Columns are NOT NULL unless NULL means something',
                  rationale: 'NULL makes comparisons three-valued (`x <> 1` skips NULL rows), costs a bit per row and complicates indexes; most columns have a natural empty value.',
                  fix: 'Declare `NOT NULL DEFAULT <value>`, or list the column as exempt (e.g. `deleted_at`).',
                },
              ],
            },
          }),
        },
      },
    },
    async () => ({
      rules: ALL_RULES.map((r) => ({ id: r.id, category: r.category, severity: r.severity, title: r.title, rationale: r.rationale, fix: r.fix })),
    }),
  );
}
