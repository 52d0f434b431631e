import { randomBytes } from 'node:crypto';
import { parseSection, readPlatformFile } from '@dbre/config';
import { createAwsClients, createFolderEvidenceStore, createFolderSink, S3EvidenceStore, selectDrivers } from '@dbre/drivers';
import { closeRedis, createRedis } from '@dbre/queue';
import { createApiClients, createLifecycle, createLogger, httpAccess, loadConfigOrExit, startService } from '@dbre/service-kit';
import { createDynamo, ensureTables } from '@dbre/store';
import { accessPolicySchema } from '@dbre/domain';
import { createApprovalApiDecisions } from './actions/approval-api-decisions';
import { createRequestApiGrantActions } from './actions/request-api-grant-actions';
import { buildApp } from './app';
import { dashboardAccessSchema } from './auth/access-config';
import { createAlbOidcAuthenticator } from './auth/alb-oidc';
import { createBasicAuthenticator } from './auth/basic-auth';
import { opsDashboardConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(opsDashboardConfig, process.env);
  const logger = createLogger({ name: 'ops-dashboard', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const platform = readPlatformFile(config.PLATFORM_CONFIG);
  const access = parseSection(config.PLATFORM_CONFIG, 'dashboard', dashboardAccessSchema, platform);
  // The access policy names who may approve a pending request (read-only; approval-api enforces it).
  const policy = platform['access'] === undefined ? undefined : parseSection(config.PLATFORM_CONFIG, 'access', accessPolicySchema, platform);
  const authenticator =
    config.DASHBOARD_AUTH === 'alb-oidc'
      ? createAlbOidcAuthenticator({ keyUrl: config.ALB_OIDC_KEY_URL, region: config.AWS_REGION, expectedSigner: config.ALB_ARN ?? '', expectedIssuer: config.OIDC_ISSUER, access: access.oidc })
      : await createBasicAuthenticator({ users: access.users, env: process.env });
  if (config.DASHBOARD_AUTH === 'basic' && access.users.length === 0) logger.warn({ file: config.PLATFORM_CONFIG }, 'no dashboard users configured (section dashboard.users): nobody can sign in');
  if (!config.REQUEST_API_URL || !config.REQUEST_API_TOKEN) logger.warn('REQUEST_API_URL/REQUEST_API_TOKEN not set: "end now" is disabled');
  if (!config.APPROVAL_API_URL || !config.APPROVAL_API_TOKEN) logger.warn('APPROVAL_API_URL/APPROVAL_API_TOKEN not set: Approve / Deny are not offered');
  if (!config.CSRF_SECRET) logger.info('CSRF_SECRET is not set: form tokens are signed with a per-process key');
  const { docs: docSink } = await selectDrivers(config, ['docs'], { docs: () => createFolderSink({ root: config.DOCS_OUT_DIR }) });
  // The dashboard only reads evidence; retentionDays is used by puts, which it never makes.
  const evidenceStore = config.EVIDENCE_BUCKET
    ? new S3EvidenceStore(createAwsClients().s3(config.AWS_REGION), { bucket: config.EVIDENCE_BUCKET, prefix: config.EVIDENCE_PREFIX, retentionDays: 1 })
    : config.EVIDENCE_DIR
      ? createFolderEvidenceStore({ root: config.EVIDENCE_DIR })
      : undefined;
  if (!evidenceStore) logger.warn('EVIDENCE_DIR/EVIDENCE_BUCKET not set: request pages show no evidence');
  const lifecycle = createLifecycle();
  const redis = createRedis(config.REDIS_URL, 'producer', logger);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  if (config.DYNAMO_CREATE_TABLES) await ensureTables(dynamo);
  const app = await buildApp({
    logger,
    lifecycle,
    redis,
    dynamo,
    authenticator,
    csrfSecret: config.CSRF_SECRET ?? randomBytes(32),
    queuePrefix: config.QUEUE_PREFIX,
    grantActions: config.REQUEST_API_URL && config.REQUEST_API_TOKEN ? createRequestApiGrantActions({ baseUrl: config.REQUEST_API_URL, token: config.REQUEST_API_TOKEN }) : undefined,
    docSink,
    docsBaseUrl: config.DOCS_BASE_URL,
    metricsPollMs: config.METRICS_POLL_MS,
    decisions: config.APPROVAL_API_URL && config.APPROVAL_API_TOKEN ? createApprovalApiDecisions({ baseUrl: config.APPROVAL_API_URL, token: config.APPROVAL_API_TOKEN }) : undefined,
    policy,
    queueSampleMs: config.QUEUE_SAMPLE_MS,
    signOutUrl: config.SIGN_OUT_URL,
    trustedProxies: config.TRUSTED_PROXIES,
    clients: createApiClients(config),
    httpAccess: httpAccess(config),
    evidenceStore,
  });
  await startService({
    app,
    host: config.HOST,
    port: config.PORT,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: [
      { name: 'redis', run: () => closeRedis(redis) },
      { name: 'dynamodb', run: async () => dynamo.close() },
    ],
  });
}

main().catch((err: unknown) => {
  console.error('ops-dashboard failed to start:', err);
  process.exit(1);
});
