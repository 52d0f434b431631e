import { closeRedis, createRedis } from '@dbre/queue';
import { createLifecycle, createLogger, loadConfigOrExit, startService } from '@dbre/service-kit';
import { createDynamo } from '@dbre/store';
import { buildApp } from './app';
import { approvalApiConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(approvalApiConfig, process.env);
  const logger = createLogger({ name: 'approval-api', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const lifecycle = createLifecycle();
  const redis = createRedis(config.REDIS_URL, 'producer', logger);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  const app = await buildApp({ logger, lifecycle, redis, dynamo });
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
  console.error('approval-api failed to start:', err);
  process.exit(1);
});
