import { createFolderSink, selectDrivers } from '@dbre/drivers';
import { closeRedis, createRedis } from '@dbre/queue';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BedrockRuntimeClient, createBedrockProvider, createMemoryAiCache, createOpenAiCompatibleProvider, createReviewPool, loadConfigFile, resolveConfig, type AiProvider } from '@dbre/review';
import { createApiClients, createLifecycle, createLogger, httpAccess, loadConfigOrExit, startService } from '@dbre/service-kit';
import { createModalClient, createRedisReplayCache, createSlackClient, slackSettings } from '@dbre/slack';
import { createDynamo, ensureTables } from '@dbre/store';
import { buildApp } from './app';
import { schemaReviewConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(schemaReviewConfig, process.env);
  const logger = createLogger({ name: 'schema-review', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const lifecycle = createLifecycle();
  const redis = createRedis(config.REDIS_URL, 'producer', logger);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  if (config.DYNAMO_CREATE_TABLES) await ensureTables(dynamo);
  // Snapshots are read where the doc-crawler publishes them: the local folder or S3 (DRIVER_DOCS).
  const { docs } = await selectDrivers(config, ['docs'], { docs: () => createFolderSink({ root: config.REVIEW_SNAPSHOT_DIR }) });
  const rules = config.REVIEW_CONFIG ? await loadConfigFile(config.REVIEW_CONFIG) : resolveConfig({});
  let provider: AiProvider | undefined;
  if (config.AI_PROVIDER === 'openai' && config.AI_BASE_URL && config.AI_MODEL) {
    provider = createOpenAiCompatibleProvider({ baseUrl: config.AI_BASE_URL, model: config.AI_MODEL, ...(config.AI_API_KEY ? { apiKey: config.AI_API_KEY } : {}) });
  } else if (config.AI_PROVIDER === 'bedrock' && config.AI_MODEL) {
    provider = createBedrockProvider({ client: new BedrockRuntimeClient({ region: config.AWS_REGION }), modelId: config.AI_MODEL });
  }
  // parse-worker.js is bundled beside main.js (project.json additionalEntryPoints); run from
  // source (tsx: the local stack's --from-source, tests) the pool's own source worker is used.
  const bundled = path.join(__dirname, 'parse-worker.js');
  const pool = createReviewPool({ ...(existsSync(bundled) ? { filename: bundled } : {}), threads: config.REVIEW_WORKERS, statementBudgetMs: config.REVIEW_STATEMENT_BUDGET_MS });
  const settings = slackSettings(config);
  if (!settings) logger.info('Slack is not configured (SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET unset): /schema-review is not served');
  const api = settings?.apiUrl ? { slackApiUrl: settings.apiUrl } : {};
  const slack = settings
    ? {
        signingSecret: settings.signingSecret,
        // The replay cache every service shares: a submission forwarded by request-api was handed off to us.
        replayCache: createRedisReplayCache(redis, { prefix: config.QUEUE_PREFIX, service: 'schema-review' }),
        ui: createModalClient({ botToken: settings.botToken, ...api, logger }),
        client: createSlackClient({ botToken: settings.botToken, ...api, logger }),
        dashboardUrl: settings.dashboardUrl,
      }
    : undefined;
  const app = await buildApp({
    logger,
    lifecycle,
    clients: createApiClients(config),
    httpAccess: httpAccess(config),
    redis,
    dynamo,
    ...(slack ? { slack } : {}),
    review: {
      config: rules,
      readSnapshot: (clusterId) => docs.read(`${clusterId}/schema.json`),
      maxSqlBytes: config.REVIEW_MAX_SQL_BYTES,
      pool,
      ...(provider ? { ai: { provider, cache: createMemoryAiCache(), timeoutMs: config.AI_TIMEOUT_MS } } : {}),
    },
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
      { name: 'review-pool', run: () => pool.close() },
    ],
  });
}

main().catch((err: unknown) => {
  console.error('schema-review failed to start:', err);
  process.exit(1);
});
