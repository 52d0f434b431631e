import { parseSection, readPlatformFile } from '@dbre/config';
import { accessPolicySchema, forDeployment } from '@dbre/domain';
import { createConfigInventory, createForwarderBastion, createLocalSecretStore, createOutboxNotifier, parseSecretKey, selectDrivers } from '@dbre/drivers';
import { closeRedis, closeWorker, createQueue, createRedis } from '@dbre/queue';
import { createLifecycle, createLogger, loadConfigOrExit, startService } from '@dbre/service-kit';
import { createAuditLog, createDynamo, createRequestRepository, ensureTables } from '@dbre/store';
import { alsoToSlack, slackKitFromConfig } from '@dbre/slack';
import { buildApp } from './app';
import { reaperConfig } from './config';
import { createGrantAdmin } from '@dbre/mysql';
import { createReaperWorkers } from './workers';

async function main(): Promise<void> {
  const config = loadConfigOrExit(reaperConfig, process.env);
  const logger = createLogger({ name: 'reaper', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const key = parseSecretKey(config.SECRET_STORE_KEY);
  const policy = forDeployment(parseSection(config.PLATFORM_CONFIG, 'access', accessPolicySchema, readPlatformFile(config.PLATFORM_CONFIG)), config.DEPLOYMENT_ID);
  const lifecycle = createLifecycle();
  const redis = createRedis(config.REDIS_URL, 'worker', logger);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  if (config.DYNAMO_CREATE_TABLES) await ensureTables(dynamo);
  const drivers = await selectDrivers(
    config,
    ['inventory', 'bastion', 'secrets'],
    {
      inventory: () => createConfigInventory({ path: config.PLATFORM_CONFIG, env: process.env }),
      // No forwarder host here: closing records the bastion closed; the provisioner's host cuts it.
      bastion: () => createForwarderBastion({ dynamo, redis, prefix: config.QUEUE_PREFIX }),
      secrets: () => createLocalSecretStore({ dynamo, key }),
    },
    { onInventorySkip: (cluster, why) => logger.warn({ cluster, why }, 'cluster left out of the inventory') },
  );
  logger.info({ drivers: drivers.choices }, 'drivers selected');
  const ctx = { prefix: config.QUEUE_PREFIX };
  const queues = {
    provision: createQueue('provision', redis, ctx),
    warn: createQueue('warn', redis, ctx),
    revoke: createQueue('revoke', redis, ctx),
    sweep: createQueue('sweep', redis, ctx),
  };
  const admin = createGrantAdmin({ userPrefix: policy.dbUser.prefix, logger });
  const slack = slackKitFromConfig(config, { redis, prefix: config.QUEUE_PREFIX, sealKey: key, logger, service: 'reaper' });
  const outbox = await createOutboxNotifier({ dynamo, key, logger });
  const reaper = await createReaperWorkers({
    connection: redis,
    prefix: config.QUEUE_PREFIX,
    logger,
    concurrency: config.WORKER_CONCURRENCY,
    sweepEveryMs: config.SWEEP_EVERY_MS,
    stuckAfterMs: config.STUCK_AFTER_MS,
    access: {
      requests: createRequestRepository({ dynamo, logger }),
      audit: createAuditLog({ dynamo }),
      policy,
      inventory: drivers.inventory,
      admin,
      bastion: drivers.bastion,
      secrets: drivers.secrets,
      notifier: slack ? alsoToSlack(outbox, slack.notifier, logger) : outbox,
      queues,
      minuteMs: config.ACCESS_MINUTE_MS,
    },
  });
  const app = await buildApp({ logger, lifecycle, redis, dynamo });
  await startService({
    app,
    host: config.HOST,
    port: config.PORT,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    stopWork: [
      { name: 'sweep-watchdog', run: async () => reaper.stop() },
      ...reaper.workers.map((w) => ({ name: `worker:${w.name}`, run: () => closeWorker(w, config.SHUTDOWN_TIMEOUT_MS) })),
    ],
    close: [
      { name: 'queues', run: () => Promise.all(Object.values(queues).map((q) => q.close())) },
      { name: 'mysql', run: () => admin.close() },
      ...(slack ? [{ name: 'slack', run: () => slack.close() }] : []),
      { name: 'redis', run: () => closeRedis(redis) },
      { name: 'dynamodb', run: async () => dynamo.close() },
    ],
  });
}

main().catch((err: unknown) => {
  console.error('reaper failed to start:', err);
  process.exit(1);
});
