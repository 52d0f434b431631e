import { z } from 'zod';
import { AppError, guards, okResponse, problems, type HttpApp } from '@dbre/service-kit';
import type { DocCrawlerDeps } from './app';

const clusterId = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/);
const runId = z.string().regex(/^[0-9TZ]{16,24}-[a-z0-9]{1,12}$/);

const runSummary = z.object({
  runId: z.string(),
  status: z.enum(['queued', 'running', 'done']),
  trigger: z.string(),
  clusterIds: z.array(z.string()),
  requestedAt: z.string(),
  finishedAt: z.string().optional(),
  failed: z.array(z.string()).optional(),
  filesWritten: z.number().optional(),
});

const clusterCrawl = z.object({
  clusterId: z.string(),
  runId: z.string(),
  status: z.enum(['running', 'ok', 'failed']),
  attempt: z.number().optional(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  code: z.string().optional(),
  changed: z.boolean().optional(),
  changes: z.number().optional(),
  filesWritten: z.number().optional(),
  tables: z.number().optional(),
  schemas: z.number().optional(),
  serverVersion: z.string().optional(),
  durationMs: z.number().optional(),
});

const security = [{ bearer: [] }];

const RUN_ID = '20261202T030000412Z-9f3a1c';
const EXAMPLE_RUN = {
  runId: RUN_ID,
  status: 'done' as const,
  trigger: 'schedule',
  clusterIds: ['orders-prod', 'billing-stg'],
  requestedAt: '2026-12-02T03:00:00.412Z',
  finishedAt: '2026-12-02T03:02:41.907Z',
  failed: ['billing-stg'],
  filesWritten: 214,
};
const EXAMPLE_CRAWL = {
  clusterId: 'orders-prod',
  runId: RUN_ID,
  status: 'ok' as const,
  attempt: 1,
  finishedAt: '2026-12-02T03:02:12.331Z',
  changed: true,
  changes: 3,
  filesWritten: 214,
  tables: 96,
  schemas: 2,
  serverVersion: '8.0.39',
  durationMs: 131_420,
};
const EXAMPLE_FAILED_CRAWL = {
  clusterId: 'billing-stg',
  runId: RUN_ID,
  status: 'failed' as const,
  attempt: 3,
  finishedAt: '2026-12-02T03:02:41.500Z',
  error: "connect ETIMEDOUT billing-stg.cluster-c9d8e7f6.ap-northeast-1.rds.amazonaws.com:3306",
  code: 'ETIMEDOUT',
  durationMs: 30_012,
};
const runNotFound = { CRAWL_RUN_NOT_FOUND: `no crawl run ${RUN_ID}` };
const clusterNotFound = { CLUSTER_NOT_FOUND: 'cluster orders-prd is not in the inventory' };

/** The route map of doc-crawler. */
export function registerRoutes(app: HttpApp, deps: DocCrawlerDeps): void {
  app.post(
    '/v1/docs/crawls',
    {
      config: { guard: guards.scope('docs:crawl'), idempotent: true },
      schema: {
        summary: 'Start a crawl of the fleet, or of one cluster',
        description:
          'Queues a run and answers at once (202: the crawl happens in the background; follow `location`). A fleet run already queued or running is joined: its run id comes back instead of a second run.',
        tags: ['docs'],
        security,
        body: z.object({ clusterId: clusterId.optional() }).strict().default({}).meta({ examples: [{ clusterId: 'orders-prod' }] }),
        response: {
          202: okResponse(z.object({ runId: z.string(), status: z.literal('queued'), clusterIds: z.array(z.string()), location: z.string() }), {
            description: 'The run, queued (also in the Location header)',
            example: { runId: RUN_ID, status: 'queued', clusterIds: ['orders-prod'], location: `/v1/docs/crawls/${RUN_ID}` },
          }),
          ...problems({ 404: clusterNotFound }),
        },
      },
    },
    async (request, reply) => {
      const started = await deps.flow.startRun({ clusterId: request.body?.clusterId, trigger: 'api' });
      const location = `/v1/docs/crawls/${started.runId}`;
      return reply.status(202).header('location', location).send({ runId: started.runId, status: 'queued', clusterIds: started.clusterIds, location });
    },
  );

  app.get(
    '/v1/docs/crawls',
    {
      config: { guard: guards.scope('docs:read') },
      schema: {
        summary: 'Recent fleet runs, newest first',
        tags: ['docs'],
        security,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: okResponse(z.object({ runs: z.array(runSummary) }), { description: 'The latest runs', example: { runs: [EXAMPLE_RUN] } }) },
      },
    },
    async (request) => ({ runs: await deps.runs.listRuns(request.query.limit) }),
  );

  app.get(
    '/v1/docs/crawls/:runId',
    {
      config: { guard: guards.scope('docs:read') },
      schema: {
        summary: 'Status of one run and of each of its clusters',
        tags: ['docs'],
        security,
        params: z.object({ runId }),
        response: {
          200: okResponse(runSummary.extend({ clusters: z.array(clusterCrawl) }), {
            description: 'The run and the crawl of each cluster (error and code when it failed)',
            example: { ...EXAMPLE_RUN, clusters: [EXAMPLE_CRAWL, EXAMPLE_FAILED_CRAWL] },
          }),
          ...problems({ 404: runNotFound }),
        },
      },
    },
    async (request) => {
      const run = await deps.runs.getRun(request.params.runId);
      if (!run) throw new AppError('CRAWL_RUN_NOT_FOUND', 'not_found', `no crawl run ${request.params.runId}`);
      return run;
    },
  );

  app.get(
    '/v1/docs/clusters/:clusterId/crawls',
    {
      config: { guard: guards.scope('docs:read') },
      schema: {
        summary: "One cluster's crawl history, newest first",
        tags: ['docs'],
        security,
        params: z.object({ clusterId }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: {
          200: okResponse(z.object({ clusterId: z.string(), crawls: z.array(clusterCrawl) }), {
            description: "The cluster's crawls (changed: whether the docs differ from the previous crawl)",
            example: { clusterId: 'orders-prod', crawls: [EXAMPLE_CRAWL, { ...EXAMPLE_CRAWL, runId: '20261201T030000377Z-4be21d', finishedAt: '2026-12-01T03:02:05.018Z', changed: false, changes: 0 }] },
          }),
          ...problems({ 404: clusterNotFound }),
        },
      },
    },
    async (request) => {
      if (!(await deps.inventory.get(request.params.clusterId))) {
        throw new AppError('CLUSTER_NOT_FOUND', 'not_found', `cluster ${request.params.clusterId} is not in the inventory`);
      }
      return { clusterId: request.params.clusterId, crawls: await deps.runs.listClusterCrawls(request.params.clusterId, request.query.limit) };
    },
  );
}
