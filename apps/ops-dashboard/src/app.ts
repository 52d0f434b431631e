import fastifyFormbody from '@fastify/formbody';
import type { Redis } from 'ioredis';
import { createCrawlRunsRepo } from '@dbre/docs';
import { approversOf, type AccessPolicy } from '@dbre/domain';
import type { DocSink, EvidenceStore } from '@dbre/drivers';
import { type ApiClients, createHttpApp, guardOf, guards, type HttpApp, type HttpPolicy, type Lifecycle, type Logger, markAuthenticated, redisCheck } from '@dbre/service-kit';
import { createAuditLog, createRequestRepository, dynamoCheck, type Dynamo } from '@dbre/store';
import { createAdminAudit } from './actions/admin-audit';
import type { DecisionActions } from './actions/approval-api-decisions';
import type { GrantActions } from './actions/grant-actions';
import { BASIC_CHALLENGE } from './auth/basic-auth';
import { createCsrf } from './auth/csrf';
import type { Authenticator, Identity } from './auth/identity';
import { loadChartLibrary, mermaidLoader } from './html/chart-assets';
import { registerDashboardMetrics } from './metrics/dashboard-metrics';
import { createOverviewRead } from './overview/overview-read';
import { createQueueDepthSampler } from './overview/queue-depth-sampler';
import { registerQueueBoards } from './queues/bull-board';
import { openCatalogQueues } from './queues/queue-set';
import { createCrawlsRead } from './read/crawls-read';
import { createEvidenceRead } from './read/evidence-read';
import { createRequestsRead } from './read/requests-read';
import { createReviewsRead } from './read/reviews-read';
import { replyProblem } from './reply-problem';
import { PUBLISHED_DOCS_PATH, registerRoutes } from './routes';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every route but the public ones. */
    identity?: Identity;
  }
}

export interface OpsDashboardDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
  authenticator: Authenticator;
  /** Signs form tokens; several tasks behind one ALB must share it. */
  csrfSecret: string | Buffer;
  queuePrefix: string;
  /** The lifecycle's "end" path; without it the dashboard offers no "end now". */
  grantActions?: GrantActions | undefined;
  /** Where the doc-crawler publishes (changelogs are read from it; served under /published-docs/). */
  docSink?: DocSink | undefined;
  /** Published docs: base URL for links (`<base>/<clusterId>/README.md`); default /published-docs with a sink. */
  docsBaseUrl?: string | undefined;
  /** Proxies whose X-Forwarded-* headers are believed (the ALB); none by default. */
  trustedProxies?: readonly string[];
  /** Histogram poll interval; 0 = only when `metrics.pollOnce()` is called (tests). */
  metricsPollMs?: number;
  /** Approve / deny through approval-api; without it the request page offers no decision. */
  decisions?: DecisionActions | undefined;
  /** The access policy (section `access`): pending requests name who may approve. */
  policy?: AccessPolicy | undefined;
  /** Where sign-out sends the browser with ALB OIDC (the IdP's logout URL), after dropping the ALB session. */
  signOutUrl?: string | undefined;
  /** Queue-depth sample interval for the overview chart; 0 = only `overviewSampler.sampleOnce()` (tests). */
  queueSampleMs?: number;
  clock?: () => Date;
  /** The calling tools (only needed when /metrics is protected). */
  clients?: ApiClients;
  /** Who may read /metrics (default: anyone; main.ts passes httpAccess(config)). */
  httpAccess?: HttpPolicy;
  /** Where sealed evidence bundles and anchors are read (read-only); without it the request page shows no evidence. */
  evidenceStore?: EvidenceStore | undefined;
}

export async function buildApp(deps: OpsDashboardDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'ops-dashboard',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    // Every page, fragment, form post and queue board is behind the dashboard's sign-in unless it says otherwise.
    auth: { clients: deps.clients, metrics: deps.httpAccess?.metrics, apiDocs: deps.httpAccess?.apiDocs, defaultGuard: guards.dashboard },
    rateLimit: { ...deps.httpAccess?.writeLimit, redis: deps.redis },
    idempotency: { redis: deps.redis },
    trustProxy: deps.trustedProxies,
  });
  await app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });

  const requests = createRequestRepository({ dynamo: deps.dynamo });
  const audit = createAuditLog({ dynamo: deps.dynamo, ...(deps.clock ? { clock: deps.clock } : {}) });
  const read = createRequestsRead({ dynamo: deps.dynamo, requests, audit });
  const queues = openCatalogQueues(deps.redis, deps.queuePrefix);
  const adminAudit = createAdminAudit({ audit, ...(deps.clock ? { clock: deps.clock } : {}) });
  const csrf = createCsrf(deps.csrfSecret);

  app.decorateRequest('identity', undefined);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin').header('x-frame-options', 'DENY');
    // Decided by the route's declared guard (service-kit), never by the raw URL.
    if (request.is404 || guardOf(request)?.kind !== 'dashboard') return undefined;
    reply.header('cache-control', 'no-store');
    try {
      request.identity = await deps.authenticator.authenticate(request.headers);
      markAuthenticated(request, 'dashboard', request.identity.id);
    } catch (err) {
      if (deps.authenticator.mode === 'basic') reply.header('www-authenticate', BASIC_CHALLENGE);
      return replyProblem(request, reply, err);
    }
    return undefined;
  });

  const metrics = registerDashboardMetrics({
    registry: app.metrics.client.register,
    queues,
    read,
    grantsEndingBefore: (t) => requests.listGrantsEndingBefore(t),
    logger: deps.logger,
    pollMs: deps.metricsPollMs ?? 15_000,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  app.decorate('dashboardMetrics', metrics);

  await registerQueueBoards(app, {
    queues,
    onAdminChange: (identity, change) => adminAudit.record(identity, 'queue-change', change),
  });
  const sampler = createQueueDepthSampler({ queues, logger: deps.logger, everyMs: deps.queueSampleMs ?? 60_000, ...(deps.clock ? { clock: deps.clock } : {}) });
  app.decorate('overviewSampler', sampler);
  const policy = deps.policy;
  registerRoutes(app, {
    read,
    crawls: createCrawlsRead({ runs: createCrawlRunsRepo({ dynamo: deps.dynamo }), sink: deps.docSink }),
    docSink: deps.docSink,
    reviews: createReviewsRead({ dynamo: deps.dynamo }),
    csrf,
    adminAudit,
    audit,
    grantActions: deps.grantActions,
    docsBaseUrl: deps.docsBaseUrl ?? (deps.docSink ? PUBLISHED_DOCS_PATH : undefined),
    overview: createOverviewRead({ read, queues, sampler, grantsEndingBefore: (t) => requests.listGrantsEndingBefore(t), clock: deps.clock ?? (() => new Date()) }),
    chartLibrary: loadChartLibrary(),
    mermaid: mermaidLoader(),
    signOut: { mode: deps.authenticator.mode, challenge: BASIC_CHALLENGE, redirectUrl: deps.signOutUrl },
    decisions: deps.decisions,
    approversOf: policy ? (env) => approversOf(policy, env) : undefined,
    clock: deps.clock ?? (() => new Date()),
    evidence: deps.evidenceStore ? createEvidenceRead({ store: deps.evidenceStore }) : undefined,
  });

  app.addHook('onClose', async () => {
    metrics.stop();
    sampler.stop();
    await queues.close();
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The dashboard's histogram poller (tests call `pollOnce`); only ops-dashboard has it. */
    dashboardMetrics?: import('./metrics/dashboard-metrics').DashboardMetrics;
    /** The overview's queue-depth sampler (tests call `sampleOnce`). */
    overviewSampler?: import('./overview/queue-depth-sampler').QueueDepthSampler;
  }
}
