import { createAccessDecisions } from '@dbre/access';
import { parseSection, readPlatformFile } from '@dbre/config';
import { accessPolicySchema } from '@dbre/domain';
import { createOutboxNotifier, parseSecretKey } from '@dbre/drivers';
import { closeRedis, createQueue, createRedis } from '@dbre/queue';
import { createApiClients, createLifecycle, createLogger, httpAccess, loadConfigOrExit, startService } from '@dbre/service-kit';
import { createAuditLog, createDynamo, createRequestRepository, ensureTables } from '@dbre/store';
import { alsoToSlack, slackKitFromConfig } from '@dbre/slack';
import { buildApp } from './app';
import { approvalApiConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(approvalApiConfig, process.env);
  const logger = createLogger({ name: 'approval-api', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const key = parseSecretKey(config.SECRET_STORE_KEY);
  const policy = parseSection(config.PLATFORM_CONFIG, 'access', accessPolicySchema, readPlatformFile(config.PLATFORM_CONFIG));
  const lifecycle = createLifecycle();
  const redis = createRedis(config.REDIS_URL, 'producer', logger);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  if (config.DYNAMO_CREATE_TABLES) await ensureTables(dynamo);
  const ctx = { prefix: config.QUEUE_PREFIX };
  const queues = { provision: createQueue('provision', redis, ctx), warn: createQueue('warn', redis, ctx), revoke: createQueue('revoke', redis, ctx) };
  const slack = slackKitFromConfig(config, { redis, prefix: config.QUEUE_PREFIX, sealKey: key, logger, service: 'approval-api' });
  const outbox = await createOutboxNotifier({ dynamo, key, logger });
  const audit = createAuditLog({ dynamo });
  // Decisions never reach a cluster; the inventory is only read when a request is created (request-api).
  const inventory = { list: async () => [], get: async () => undefined };
  const notifier = slack ? alsoToSlack(outbox, slack.notifier, logger) : outbox;
  const access = createAccessDecisions({ requests: createRequestRepository({ dynamo, logger }), audit, policy, inventory, notifier, queues, minuteMs: config.ACCESS_MINUTE_MS });
  const app = await buildApp({ logger, lifecycle, redis, dynamo, access, audit, ...(slack ? { slack } : {}), clients: createApiClients(config, { groups: policy.groups }), httpAccess: httpAccess(config) });
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
      { name: 'dynamodb', run: async () => dynamo.close() },
    ],
  });
}

main().catch((err: unknown) => {
  console.error('approval-api failed to start:', err);
  process.exit(1);
});
