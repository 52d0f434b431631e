import type { Redis } from 'ioredis';
import type { AccessDecisions } from '@dbre/access';
import type { AccessPolicy } from '@dbre/domain';
import type { Inventory, LocalOutbox, SecretStore } from '@dbre/drivers';
import { type ApiClients, createHttpApp, type HttpApp, type HttpPolicy, type Lifecycle, type Logger, redisCheck } from '@dbre/service-kit';
import { slackBridgeToken, type SlackKit } from '@dbre/slack';
import { dynamoCheck, type AuditLog, type Dynamo, type RequestRepository } from '@dbre/store';
import { registerRoutes } from './routes';
import type { DatabaseDirectory } from './slack/database-directory';
import { registerRequestSlackRoutes } from './slack/routes';

export interface RequestApiDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
  /** The lifecycle steps (create, follow, cancel, extend, end). */
  access: AccessDecisions;
  /** Listings. */
  requests: RequestRepository;
  /** The Slack side audits what it reveals (Show credentials). */
  audit: AuditLog;
  policy: AccessPolicy;
  inventory: Inventory;
  outbox: LocalOutbox;
  /** The calling tools: bearer tokens, scopes, whom each may act for. */
  clients: ApiClients;
  /** Who may read /metrics and /docs (default: anyone; main.ts passes httpAccess(config)). */
  httpAccess?: HttpPolicy;
  /** Set when Slack is configured: /slack/commands and /slack/interactions are served. */
  slack?: SlackKit;
  /** Required with Slack: "Show credentials" reads the password from it when clicked. */
  secrets?: SecretStore;
  /** The request modal offers each cluster's documented databases (latest docs snapshot). */
  databaseDirectory?: DatabaseDirectory;
}

export async function buildApp(deps: RequestApiDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'request-api',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    auth: { clients: deps.clients, metrics: deps.httpAccess?.metrics, apiDocs: deps.httpAccess?.apiDocs },
    rateLimit: { ...deps.httpAccess?.writeLimit, redis: deps.redis },
    idempotency: { redis: deps.redis },
    openapi: {
      title: 'dbre request-api',
      description: 'Ask for just-in-time database access, follow it, extend or end it, read your outbox. Bearer token per tool; the acting person in X-Acting-User.',
    },
  });
  registerRoutes(app, deps);
  if (deps.slack) {
    if (!deps.secrets) throw new Error('Slack is configured but request-api has no secret store: "Show credentials" reads the password from it.');
    await registerRequestSlackRoutes(app, { kit: deps.slack, bridgeToken: slackBridgeToken(deps.clients), policy: deps.policy, inventory: deps.inventory, secrets: deps.secrets, audit: deps.audit, databases: deps.databaseDirectory, logger: deps.logger });
  }
  return app;
}
