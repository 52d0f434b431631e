/**
 * Every service of the platform built through its own `buildApp`, with real Redis, dynalite and
 * the Slack stand-in, Slack configured, and the routes each registered (Fastify's `onRoute`, kept
 * by service-kit in `app.routeTable`). The tools:
 * - `full`: every scope, acting for anyone (the legitimate caller);
 * - `no-<scope>`: every scope but one (the "token lacking the scope" of each route).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { buildWorkerApp, createAccessDecisions } from '@dbre/access';
import { createCrawlRunsRepo } from '@dbre/docs';
import { accessPolicySchema, type AccessPolicyInput } from '@dbre/domain';
import { createFolderSink, createLocalSecretStore, createOutboxNotifier, createStaticInventory, type ClusterTarget } from '@dbre/drivers';
import { createGrantAdmin } from '@dbre/mysql';
import mysql from 'mysql2/promise';
import { closeRedis, createQueue, createRedis } from '@dbre/queue';
import { resolveConfig } from '@dbre/review';
import { API_SCOPES, apiClientsOf, createLifecycle, type ApiScope, type HttpApp, type HttpPolicy } from '@dbre/service-kit';
import { createRedisReplayCache, createSlackClient, createModalClient, createSlackKit, type SlackKit } from '@dbre/slack';
import { createAuditLog, createRequestRepository } from '@dbre/store';
import { captureLogger, startTestDynamo, testServices, uniqueName, waitFor } from '@dbre/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite builds each app through its own buildApp, and signs like Slack with the stand-in
import { buildApp as buildRequestApi } from '../../../apps/request-api/src/app';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite builds each app through its own buildApp, and signs like Slack with the stand-in
import { buildApp as buildApprovalApi } from '../../../apps/approval-api/src/app';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite builds each app through its own buildApp, and signs like Slack with the stand-in
import { buildApp as buildSchemaReview } from '../../../apps/schema-review/src/app';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite builds each app through its own buildApp, and signs like Slack with the stand-in
import { buildApp as buildDocCrawler } from '../../../apps/doc-crawler/src/app';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite builds each app through its own buildApp, and signs like Slack with the stand-in
import { createCrawlFlow } from '../../../apps/doc-crawler/src/flow';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite builds each app through its own buildApp, and signs like Slack with the stand-in
import { startHarness, type Harness } from '../../../apps/ops-dashboard/test/helpers';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite builds each app through its own buildApp, and signs like Slack with the stand-in
import { startSlackStandIn, type SlackStandIn } from '../../slack-stand-in/src';

export const SECRET = `sec-${randomBytes(12).toString('hex')}`;
export const ALL_SCOPES = Object.keys(API_SCOPES) as ApiScope[];
export const tokenOf = (tool: string) => `${tool}-${'t'.repeat(24)}-${tool.length}`;
export const DAVE = 'dave@example.com';
export const ALICE = 'alice@example.com';

/** The clients of every service: `full`, `partner` (acting only for @partner.test) and one `no-<scope>` per scope. */
export function suiteClients() {
  const tools: Record<string, { token: string; scopes: ApiScope[]; actFor?: string[] }> = {
    full: { token: tokenOf('full'), scopes: ALL_SCOPES, actFor: ['*'] },
    partner: { token: tokenOf('partner'), scopes: ALL_SCOPES, actFor: ['@partner.test'] },
    // What the Slack routes act as (in-process, through the REST routes), as README configures it.
    slack: { token: tokenOf('slack'), scopes: ['requests:create', 'requests:read', 'grants:end', 'approve'], actFor: ['*'] },
  };
  for (const scope of ALL_SCOPES) tools[`no-${scope.replace(':', '-')}`] = { token: tokenOf(`no-${scope.replace(':', '-')}`), scopes: ALL_SCOPES.filter((s) => s !== scope), actFor: ['*'] };
  return apiClientsOf(tools);
}
export const lacking = (scope: string) => tokenOf(`no-${scope.replace(':', '-')}`);

export interface Service {
  name: string;
  app: HttpApp;
}

export type Platform = Awaited<ReturnType<typeof startPlatform>>;

export async function startPlatform(options: { metrics?: 'public' | 'token' } = {}) {
  const log = captureLogger('security', 'warn');
  const logger = log.logger;
  const store = await startTestDynamo();
  const { dynamo } = store;
  const redis: Redis = createRedis(testServices.redisUrl, 'producer');
  await waitFor(() => redis.status === 'ready', { what: 'redis' });
  const prefix = uniqueName('sec');
  const key = randomBytes(32);
  const standIn: SlackStandIn = await startSlackStandIn({
    users: [
      { id: 'U0DAVE', email: DAVE, name: 'dave' },
      { id: 'U0ALICE', email: ALICE, name: 'alice' },
      // Slack knows this user but shows the app no e-mail: users.info cannot resolve them.
      { id: 'U0GHOST', name: 'ghost' },
    ],
  });
  const clients = suiteClients();
  // Limits far above what the suite sends: they are tested on their own in service-kit.
  const http: HttpPolicy = { metrics: options.metrics ?? 'public', apiDocs: options.metrics ?? 'public', writeLimit: { max: 100_000, timeWindowMs: 60_000 } };
  const clusters: ClusterTarget[] = [
    { id: 'devdb', environment: 'dev', engine: 'mariadb', endpoint: { host: testServices.mysql.host, port: testServices.mysql.port }, instances: [], admin: { user: testServices.mysql.user, password: testServices.mysql.password } },
  ];
  const inventory = createStaticInventory(clusters);
  // Requests are accepted only for databases that exist on the cluster: the suite makes its own.
  const database = uniqueName('secdb');
  const root = await mysql.createConnection({ ...testServices.mysql });
  await root.query(`CREATE DATABASE \`${database}\``);
  const policyInput: AccessPolicyInput = {
    profiles: { read: { privileges: ['SELECT', 'SHOW VIEW'] } },
    groups: { dbre: [ALICE, 'bob@example.com'] },
    environments: {
      dev: { defaultMinutes: 30, maxMinutes: 60, approvers: ['group:dbre'], approvalsRequired: 1 },
      stg: { defaultMinutes: 30, maxMinutes: 60, approvers: ['group:dbre'], approvalsRequired: 1 },
      prod: { defaultMinutes: 30, maxMinutes: 60, approvers: ['group:dbre'], approvalsRequired: 1 },
    },
    reviewExpiryMinutes: 60,
    warnBeforeMinutes: 5,
    dbUser: { prefix: `s${randomBytes(2).toString('hex')}_` },
  };
  const policy = accessPolicySchema.parse(policyInput);
  const requests = createRequestRepository({ dynamo });
  const audit = createAuditLog({ dynamo });
  const outbox = await createOutboxNotifier({ dynamo, key, logger });
  const queues = {
    provision: createQueue('provision', redis, { prefix }),
    warn: createQueue('warn', redis, { prefix }),
    revoke: createQueue('revoke', redis, { prefix }),
  };
  const settings = { botToken: 'xoxb-security', signingSecret: SECRET, apiUrl: standIn.url, approversChannel: 'C0APPROVALS', approverUsers: [], command: '/db-access' };
  const kits: SlackKit[] = [];
  const services: Service[] = [];

  const approvalKit = createSlackKit({ settings, redis, prefix, sealKey: key, logger, service: 'approval-api' });
  kits.push(approvalKit);
  const databases = createGrantAdmin({ userPrefix: policy.dbUser.prefix, logger });
  const access = createAccessDecisions({ requests, audit, policy, inventory, databases, notifier: outbox, queues, minuteMs: 60_000 });
  const approvalApi = await buildApprovalApi({ logger, lifecycle: createLifecycle(), redis, dynamo, access, audit, clients, httpAccess: http, slack: approvalKit });
  const approvalUrl = await approvalApi.listen({ host: '127.0.0.1', port: 0 });
  services.push({ name: 'approval-api', app: approvalApi });

  const schemaReview = await buildSchemaReview({
    logger,
    lifecycle: createLifecycle(),
    redis,
    dynamo,
    clients,
    httpAccess: http,
    review: { config: resolveConfig({}), snapshotDir: '/nonexistent', maxSqlBytes: 20_000 },
    slack: {
      signingSecret: SECRET,
      replayCache: createRedisReplayCache(redis, { prefix, service: 'schema-review' }),
      ui: createModalClient({ botToken: 'xoxb-security', slackApiUrl: standIn.url }),
      client: createSlackClient({ botToken: 'xoxb-security', slackApiUrl: standIn.url, retryConfig: { retries: 0 } }),
    },
  });
  const reviewUrl = await schemaReview.listen({ host: '127.0.0.1', port: 0 });
  services.push({ name: 'schema-review', app: schemaReview });

  const requestKit = createSlackKit({ settings: { ...settings, approvalApiUrl: approvalUrl, schemaReviewUrl: reviewUrl }, redis, prefix, sealKey: key, logger, service: 'request-api' });
  kits.push(requestKit);
  const secrets = createLocalSecretStore({ dynamo, key });
  const requestApi = await buildRequestApi({ logger, lifecycle: createLifecycle(), redis, dynamo, access, requests, audit, policy, inventory, secrets, outbox, clients, httpAccess: http, slack: requestKit });
  await requestApi.ready();
  services.unshift({ name: 'request-api', app: requestApi });

  const runs = createCrawlRunsRepo({ dynamo });
  const flow = createCrawlFlow({ connection: redis, prefix, inventory: createStaticInventory([]), runs });
  const docCrawler = await buildDocCrawler({ logger, lifecycle: createLifecycle(), redis, dynamo, inventory: createStaticInventory([]), runs, flow, clients, httpAccess: http });
  await docCrawler.ready();
  services.push({ name: 'doc-crawler', app: docCrawler });

  for (const name of ['provisioner', 'reaper'] as const) {
    const app = await buildWorkerApp({ name, logger, lifecycle: createLifecycle(), redis, dynamo, clients, httpAccess: http });
    await app.ready();
    services.push({ name, app });
  }

  const docsDir = mkdtempSync(path.join(tmpdir(), 'dbre-security-docs-'));
  const dashboard: Harness = await startHarness({ docSink: createFolderSink({ root: docsDir }), clients, httpAccess: http, trustedProxies: ['10.0.0.0/8'] });
  services.push({ name: 'ops-dashboard', app: dashboard.app });

  async function close(): Promise<void> {
    for (const s of services) if (s.name !== 'ops-dashboard') await s.app.close().catch(() => undefined);
    await dashboard.close().catch(() => undefined);
    await flow.close().catch(() => undefined);
    for (const k of kits) {
      await k.queue.obliterate({ force: true }).catch(() => undefined);
      await k.close().catch(() => undefined);
    }
    for (const q of Object.values(queues)) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
    await closeRedis(redis);
    await standIn.close();
    await databases.close();
    await root.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await root.end();
    await store.close();
    rmSync(docsDir, { recursive: true, force: true });
  }

  return { database, services, requestApi, approvalApi, schemaReview, docCrawler, dashboard, requests, outbox, standIn, redis, prefix, log, close };
}
