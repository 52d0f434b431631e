import type { Redis } from 'ioredis';
import type { AccessDecisions } from '@dbre/access';
import { type ApiClients, createHttpApp, type HttpApp, type HttpPolicy, type Lifecycle, type Logger, redisCheck } from '@dbre/service-kit';
import { slackBridgeToken, type SlackKit } from '@dbre/slack';
import { dynamoCheck, type AuditLog, type Dynamo } from '@dbre/store';
import { registerRoutes } from './routes';
import { registerApprovalSlackRoutes } from './slack/routes';

export interface ApprovalApiDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
  /** The lifecycle steps (approve, deny). */
  access: AccessDecisions;
  /** Records Slack approver-group refusals. */
  audit: AuditLog;
  /** The calling tools: bearer tokens, scopes, whom each may act for. */
  clients: ApiClients;
  /** Who may read /metrics and /docs (default: anyone; main.ts passes httpAccess(config)). */
  httpAccess?: HttpPolicy;
  /** Set when Slack is configured: /slack/interactions (Approve / Deny) is served. */
  slack?: SlackKit;
}

export async function buildApp(deps: ApprovalApiDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'approval-api',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    auth: { clients: deps.clients, metrics: deps.httpAccess?.metrics, apiDocs: deps.httpAccess?.apiDocs },
    rateLimit: { ...deps.httpAccess?.writeLimit, redis: deps.redis },
    idempotency: { redis: deps.redis },
    openapi: {
      title: 'dbre approval-api',
      description: 'Approve or deny access requests and extensions. Bearer token per tool; the acting approver in X-Acting-User.',
    },
  });
  registerRoutes(app, deps);
  if (deps.slack) await registerApprovalSlackRoutes(app, { kit: deps.slack, bridgeToken: slackBridgeToken(deps.clients), audit: deps.audit, logger: deps.logger });
  return app;
}
