import { createAccessDecisions } from '@dbre/access';
import { parseSection, readPlatformFile } from '@dbre/config';
import { accessPolicySchema } from '@dbre/domain';
import { createConfigInventory, createFolderSink, createLocalSecretStore, createOutboxNotifier, driverChoice, parseSecretKey, selectDrivers } from '@dbre/drivers';
import { createGrantAdmin } from '@dbre/mysql';
import { closeRedis, createQueue, createRedis } from '@dbre/queue';
import { createApiClients, createLifecycle, createLogger, httpAccess, loadConfigOrExit, startService } from '@dbre/service-kit';
import { createAuditLog, createDynamo, createRequestRepository, ensureTables } from '@dbre/store';
import { alsoToSlack, slackKitFromConfig } from '@dbre/slack';
import { buildApp } from './app';
import { createDatabaseDirectory } from './slack/database-directory';
import { requestApiConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(requestApiConfig, process.env);
  const logger = createLogger({ name: 'request-api', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const key = parseSecretKey(config.SECRET_STORE_KEY);
  const policy = parseSection(config.PLATFORM_CONFIG, 'access', accessPolicySchema, readPlatformFile(config.PLATFORM_CONFIG));
  const lifecycle = createLifecycle();
  const redis = createRedis(config.REDIS_URL, 'producer', logger);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  if (config.DYNAMO_CREATE_TABLES) await ensureTables(dynamo);
  // The secret store serves Slack's "Show credentials" (read when clicked, never posted).
  const { inventory, secrets } = await selectDrivers(
    config,
    ['inventory', 'secrets'],
    { inventory: () => createConfigInventory({ path: config.PLATFORM_CONFIG, env: process.env }), secrets: () => createLocalSecretStore({ dynamo, key }) },
    { onInventorySkip: (cluster, why) => logger.warn({ cluster, why }, 'cluster left out of the inventory') },
  );
  const ctx = { prefix: config.QUEUE_PREFIX };
  const queues = { provision: createQueue('provision', redis, ctx), warn: createQueue('warn', redis, ctx), revoke: createQueue('revoke', redis, ctx), renotify: createQueue('renotify', redis, ctx) };
  const slack = slackKitFromConfig(config, { redis, prefix: config.QUEUE_PREFIX, sealKey: key, logger, service: 'request-api' });
  const local = await createOutboxNotifier({ dynamo, key, logger });
  const outbox = slack ? alsoToSlack(local, slack.notifier, logger) : local;
  const requests = createRequestRepository({ dynamo, logger });
  // Checks that a requested database exists on the cluster before the request is stored.
  const databases = createGrantAdmin({ userPrefix: policy.dbUser.prefix, logger });
  const audit = createAuditLog({ dynamo });
  const access = createAccessDecisions({ requests, audit, policy, inventory, databases, notifier: outbox, queues, minuteMs: config.ACCESS_MINUTE_MS });
  // The docs snapshots (doc-crawler) let the Slack modal offer real database names; optional on AWS (DOCS_BUCKET).
  const docsAvailable = driverChoice(config, 'docs') === 'local' || config.DOCS_BUCKET !== undefined;
  const docs = docsAvailable ? (await selectDrivers(config, ['docs'], { docs: () => createFolderSink({ root: config.DOCS_OUT_DIR }) })).docs : undefined;
  const app = await buildApp({
    logger,
    lifecycle,
    redis,
    dynamo,
    access,
    requests,
    audit,
    policy,
    inventory,
    outbox,
    ...(slack ? { slack, secrets, ...(docs ? { databaseDirectory: createDatabaseDirectory({ sink: docs }) } : {}) } : {}),
    clients: createApiClients(config, { groups: policy.groups }),
    httpAccess: httpAccess(config),
  });
  await startService({
    app,
    host: config.HOST,
    port: config.PORT,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: [
      { name: 'queues', run: () => Promise.all(Object.values(queues).map((q) => q.close())) },
      ...(slack ? [{ name: 'slack', run: () => slack.close() }] : []),
      { name: 'redis', run: () => closeRedis(redis) },
      { name: 'mysql', run: () => databases.close() },
      { name: 'dynamodb', run: async () => dynamo.close() },
    ],
  });
}

main().catch((err: unknown) => {
  console.error('request-api failed to start:', err);
  process.exit(1);
});
