import { RDSClient } from '@aws-sdk/client-rds';
import { BUILTIN_BASELINES, createCrawlRunsRepo, loadRdsEngineDefaults } from '@dbre/docs';
import { createConfigInventory, createFolderSink, createOutboxNotifier, driverChoice, parseSecretKey, selectDrivers, type Notifier } from '@dbre/drivers';
import { closeRedis, closeWorker, createQueue, createRedis } from '@dbre/queue';
import { createApiClients, createLifecycle, createLogger, httpAccess, loadConfigOrExit, startService } from '@dbre/service-kit';
import { alsoToSlack, slackKitFromConfig, type SlackKit } from '@dbre/slack';
import { createDynamo, ensureTables } from '@dbre/store';
import { buildApp } from './app';
import { docCrawlerConfig } from './config';
import { createCrawlFlow } from './flow';
import { applySchedule } from './schedule';
import { createDocsWorkers } from './workers';

async function main(): Promise<void> {
  const config = loadConfigOrExit(docCrawlerConfig, process.env);
  const logger = createLogger({ name: 'doc-crawler', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const lifecycle = createLifecycle();
  const redis = createRedis(config.REDIS_URL, 'producer', logger);
  const workerRedis = createRedis(config.REDIS_URL, 'worker', logger);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  if (config.DYNAMO_CREATE_TABLES) await ensureTables(dynamo);
  const { inventory, docs: sink } = await selectDrivers(config, ['inventory', 'docs'], {
    inventory: () => createConfigInventory({ path: config.PLATFORM_CONFIG, env: process.env }),
    docs: () => createFolderSink({ root: config.DOCS_OUT_DIR }),
  });
  const runs = createCrawlRunsRepo({ dynamo });
  // Change summaries (DOCS_NOTIFY_TO): the local outbox, and Slack too when it is configured.
  let notifier: Notifier | undefined;
  let slack: SlackKit | undefined;
  if (config.DOCS_NOTIFY_TO && config.SECRET_STORE_KEY) {
    const key = parseSecretKey(config.SECRET_STORE_KEY);
    const outbox = await createOutboxNotifier({ dynamo, key, logger });
    slack = slackKitFromConfig(config, { redis, prefix: config.QUEUE_PREFIX, sealKey: key, logger, service: 'doc-crawler' });
    notifier = slack ? alsoToSlack(outbox, slack.notifier, logger) : outbox;
  }
  // On AWS every fleet region gets a crawl queue of its own: a region that hangs never starves the others.
  const regions = driverChoice(config, 'inventory') === 'aws' ? (config.RDS_REGIONS?.length ? config.RDS_REGIONS : [config.AWS_REGION]) : [];
  const flow = createCrawlFlow({ connection: redis, prefix: config.QUEUE_PREFIX, inventory, runs, regions });
  // On AWS, non-default parameters are marked against the RDS engine defaults of each family.
  const families = config.DOCS_RDS_FAMILIES?.split(',') ?? [];
  const rds = families.length ? new RDSClient({ region: config.AWS_REGION }) : undefined;
  const baselines = [...BUILTIN_BASELINES, ...(rds ? await Promise.all(families.map((f) => loadRdsEngineDefaults(rds, f))) : [])];
  rds?.destroy();
  const pattern = config.DOCS_SCHEMA_PATTERN ? new RegExp(config.DOCS_SCHEMA_PATTERN) : undefined;
  const workers = createDocsWorkers({
    connection: workerRedis,
    prefix: config.QUEUE_PREFIX,
    logger,
    inventory,
    sink,
    runs,
    flow,
    regions,
    notifier,
    notifyTo: config.DOCS_NOTIFY_TO,
    baselines,
    settings: {
      concurrency: config.DOCS_CONCURRENCY,
      clusterTimeoutMs: config.DOCS_CLUSTER_TIMEOUT_MS,
      attempts: 1, // retries are the queue's (catalog: docsCluster)
      connectTimeoutMs: config.DOCS_CONNECT_TIMEOUT_MS,
      parallelism: config.DOCS_PARALLELISM,
      includeSchema: pattern ? (name) => pattern.test(name) : undefined,
    },
  });
  const fleetQueue = createQueue('docsFleet', workerRedis, { prefix: config.QUEUE_PREFIX });
  await applySchedule(fleetQueue, { enabled: config.DOCS_SCHEDULE_ENABLED, pattern: config.DOCS_CRON, tz: config.DOCS_TZ });
  logger.info({ enabled: config.DOCS_SCHEDULE_ENABLED, cron: config.DOCS_CRON, tz: config.DOCS_TZ }, 'crawl schedule applied');
  const app = await buildApp({ logger, lifecycle, redis, dynamo, inventory, runs, flow, clients: createApiClients(config), httpAccess: httpAccess(config) });
  await startService({
    app,
    host: config.HOST,
    port: config.PORT,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    stopWork: workers.map((w) => ({ name: `worker:${w.name}`, run: () => closeWorker(w, config.SHUTDOWN_TIMEOUT_MS) })),
    close: [
      { name: 'flow', run: () => flow.close() },
      { name: 'queue', run: () => fleetQueue.close() },
      { name: 'slack', run: async () => slack?.close() },
      { name: 'redis', run: () => closeRedis(redis) },
      { name: 'redis-worker', run: () => closeRedis(workerRedis) },
      { name: 'dynamodb', run: async () => dynamo.close() },
    ],
  });
}

main().catch((err: unknown) => {
  console.error('doc-crawler failed to start:', err);
  process.exit(1);
});
