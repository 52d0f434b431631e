import { closeRedis, closeWorker, createRedis } from '@dbre/queue';
import { createLifecycle, createLogger, loadConfigOrExit, startService } from '@dbre/service-kit';
import { createDynamo } from '@dbre/store';
import { buildApp } from './app';
import { reaperConfig } from './config';
import { createReaperWorkers } from './workers';

async function main(): Promise<void> {
  const config = loadConfigOrExit(reaperConfig, process.env);
  const logger = createLogger({ name: 'reaper', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const lifecycle = createLifecycle();
  const redis = createRedis(config.REDIS_URL, 'worker', logger);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  const workers = createReaperWorkers({ connection: redis, prefix: config.QUEUE_PREFIX, logger, concurrency: config.WORKER_CONCURRENCY });
  const app = await buildApp({ logger, lifecycle, redis, dynamo });
  await startService({
    app,
    host: config.HOST,
    port: config.PORT,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    stopWork: workers.map((w) => ({ name: `worker:${w.name}`, run: () => closeWorker(w, config.SHUTDOWN_TIMEOUT_MS) })),
    close: [
      { name: 'redis', run: () => closeRedis(redis) },
      { name: 'dynamodb', run: async () => dynamo.close() },
    ],
  });
}

main().catch((err: unknown) => {
  console.error('reaper failed to start:', err);
  process.exit(1);
});
