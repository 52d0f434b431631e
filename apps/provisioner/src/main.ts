import { parseSection, readPlatformFile } from '@dbre/config';
import { accessPolicySchema, forDeployment } from '@dbre/domain';
import { createConfigInventory, createForwarderBastion, createForwarderHost, createLocalSecretStore, createOutboxNotifier, driverChoice, parseSecretKey, selectDrivers } from '@dbre/drivers';
import { closeRedis, closeWorker, createQueue, createRedis } from '@dbre/queue';
import { createLifecycle, createLogger, loadConfigOrExit, startService } from '@dbre/service-kit';
import { createAuditLog, createDynamo, createRequestRepository, ensureTables } from '@dbre/store';
import { alsoToSlack, slackKitFromConfig, slackNotifyWorker } from '@dbre/slack';
import { buildApp } from './app';
import { provisionerConfig } from './config';
import { createGrantAdmin } from '@dbre/mysql';
import { createProvisionerWorkers } from './workers';

async function main(): Promise<void> {
  const config = loadConfigOrExit(provisionerConfig, process.env);
  const logger = createLogger({ name: 'provisioner', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const key = parseSecretKey(config.SECRET_STORE_KEY);
  const policy = forDeployment(parseSection(config.PLATFORM_CONFIG, 'access', accessPolicySchema, readPlatformFile(config.PLATFORM_CONFIG)), config.DEPLOYMENT_ID);
  const lifecycle = createLifecycle();
  const redis = createRedis(config.REDIS_URL, 'worker', logger);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  if (config.DYNAMO_CREATE_TABLES) await ensureTables(dynamo);
  const ctx = { prefix: config.QUEUE_PREFIX };
  const queues = { warn: createQueue('warn', redis, ctx), revoke: createQueue('revoke', redis, ctx) };
  // The forwarder host listens for local bastions only; on AWS the engineer reaches the cluster through SSM.
  const forwarders =
    driverChoice(config, 'bastion') === 'local'
      ? await createForwarderHost({ dynamo, logger, redis, prefix: config.QUEUE_PREFIX, reconcileMs: config.FORWARDER_RECONCILE_MS })
      : undefined;
  const drivers = await selectDrivers(
    config,
    ['inventory', 'bastion', 'secrets'],
    {
      inventory: () => createConfigInventory({ path: config.PLATFORM_CONFIG, env: process.env }),
      bastion: () => createForwarderBastion({ dynamo, host: forwarders, redis, prefix: config.QUEUE_PREFIX }),
      secrets: () => createLocalSecretStore({ dynamo, key }),
    },
    { onInventorySkip: (cluster, why) => logger.warn({ cluster, why }, 'cluster left out of the inventory') },
  );
  logger.info({ drivers: drivers.choices }, 'drivers selected');
  const admin = createGrantAdmin({ userPrefix: policy.dbUser.prefix, logger });
  const slack = slackKitFromConfig(config, { redis, prefix: config.QUEUE_PREFIX, sealKey: key, logger, service: 'provisioner' });
  const outbox = await createOutboxNotifier({ dynamo, key, logger });
  const notify = slack && slackNotifyWorker(slack, { connection: redis, prefix: config.QUEUE_PREFIX, logger, loadRequest: (id) => createRequestRepository({ dynamo }).get(id) });
  const workers = createProvisionerWorkers({
    connection: redis,
    prefix: config.QUEUE_PREFIX,
    logger,
    concurrency: config.WORKER_CONCURRENCY,
    lockMs: config.WORKER_LOCK_MS,
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
      dynamo,
      minuteMs: config.ACCESS_MINUTE_MS,
      ...(config.FAULT_EXIT_AFTER_STEP
        ? {
            onStep: (step: string, requestId: string) => {
              if (step !== config.FAULT_EXIT_AFTER_STEP) return;
              logger.warn({ step, requestId }, 'FAULT_EXIT_AFTER_STEP: exiting now');
              process.exit(86);
            },
          }
        : {}),
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
    stopWork: [...workers, ...(notify ? [notify] : [])].map((w) => ({ name: `worker:${w.name}`, run: () => closeWorker(w, config.SHUTDOWN_TIMEOUT_MS) })),
    close: [
      ...(forwarders ? [{ name: 'forwarders', run: () => forwarders.close() }] : []),
      { name: 'queues', run: () => Promise.all([queues.warn.close(), queues.revoke.close()]) },
      { name: 'mysql', run: () => admin.close() },
      ...(slack ? [{ name: 'slack', run: () => slack.close() }] : []),
      { name: 'redis', run: () => closeRedis(redis) },
      { name: 'dynamodb', run: async () => dynamo.close() },
    ],
  });
}

main().catch((err: unknown) => {
  console.error('provisioner failed to start:', err);
  process.exit(1);
});
