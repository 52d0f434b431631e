import { z } from 'zod';
import { AppError, guards, type HttpApp } from '@dbre/service-kit';
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

/** The route map of doc-crawler. */
export function registerRoutes(app: HttpApp, deps: DocCrawlerDeps): void {
  app.post(
    '/v1/docs/crawls',
    {
      config: { guard: guards.scope('docs:crawl'), idempotent: true },
      schema: {
        summary: 'Start a crawl of the fleet, or of one cluster',
        body: z.object({ clusterId: clusterId.optional() }).strict().default({}),
        response: { 202: z.object({ runId: z.string(), status: z.literal('queued'), clusterIds: z.array(z.string()), location: z.string() }) },
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
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: z.object({ runs: z.array(runSummary) }) },
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
        params: z.object({ runId }),
        response: { 200: runSummary.extend({ clusters: z.array(clusterCrawl) }) },
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
        params: z.object({ clusterId }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: z.object({ clusterId: z.string(), crawls: z.array(clusterCrawl) }) },
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
