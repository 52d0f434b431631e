import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { checkDrivers, driversEnv } from '@dbre/drivers';
import { apiClientsEnv, checkApiClients, env, serviceEnv } from '@dbre/service-kit';
import { slackEnv } from '@dbre/slack';

export const schemaReviewConfig = z.object({
  ...serviceEnv,
  PORT: env.port(3003),
  ...redisEnv,
  ...dynamoEnv,
  ...platformFileEnv,
  // The doc sink the doc-crawler publishes snapshots to (DRIVER_DOCS=aws: DOCS_BUCKET/DOCS_PREFIX); same variables as there.
  ...driversEnv,
  // Slack: SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET turn on /schema-review (the other SLACK_* are unused here).
  ...slackEnv,
  ...apiClientsEnv,
  REVIEW_CONFIG: z.string().min(1).optional().describe('path to the rule configuration YAML (default: built-in rules and defaults)'),
  REVIEW_SNAPSHOT_DIR: z.string().min(1).default('var/docs').describe('folder the local doc sink reads snapshots from (DRIVER_DOCS=local), <dir>/<cluster>/schema.json'),
  REVIEW_MAX_SQL_BYTES: env.int(1_000_000, 1).describe('largest DDL text accepted by POST /v1/reviews, bytes'),
  REVIEW_WORKERS: env.int(2, 1).describe('worker threads that parse SQL (the HTTP event loop never parses)'),
  REVIEW_STATEMENT_BUDGET_MS: env.int(5_000, 100).describe('time one statement may take to parse before it becomes a parse-time-budget finding, ms'),
  AI_PROVIDER: z.enum(['none', 'openai', 'bedrock']).default('none').describe('none, openai (any OpenAI-compatible endpoint) or bedrock'),
  AI_BASE_URL: z.url().optional().describe('OpenAI-compatible base URL, e.g. https://api.openai.com/v1'),
  AI_MODEL: z.string().min(1).optional().describe('model name (openai) or model id / inference profile (bedrock)'),
  AI_API_KEY: z.string().min(1).optional().describe('API key for the OpenAI-compatible endpoint'),
  AI_TIMEOUT_MS: env.ms(20_000),
}).superRefine(checkDrivers(['docs']))
  .superRefine(checkApiClients)
  .refine((c) => c.AI_PROVIDER !== 'openai' || (c.AI_BASE_URL && c.AI_MODEL), { message: 'AI_PROVIDER=openai needs AI_BASE_URL and AI_MODEL', path: ['AI_PROVIDER'] })
  .refine((c) => c.AI_PROVIDER !== 'bedrock' || c.AI_MODEL, { message: 'AI_PROVIDER=bedrock needs AI_MODEL', path: ['AI_PROVIDER'] });

export type SchemaReviewConfig = z.output<typeof schemaReviewConfig>;
