import { z } from 'zod';
import { env } from '@dbre/service-kit';

/** Environment variables shared by the services that use Redis/BullMQ. */
export const redisEnv = {
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379').describe('a Redis URL, e.g. redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default('dbre').describe('BullMQ key prefix, [A-Za-z0-9_-]{1,32}'),
};

/**
 * The deployment's id (the services that create or sweep database users): users are named
 * `<prefix><id>_…` and the sweep touches only those. Deployments sharing a database server need
 * different ids, and deployments sharing a Redis different QUEUE_PREFIX values.
 */
export const deploymentEnv = {
  DEPLOYMENT_ID: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,7}$/, '1-8 of [a-z0-9], starting with a letter')
    .default('main')
    .describe('this deployment\'s id, 1-8 of [a-z0-9] starting with a letter (marks its database users)'),
};

/** Environment variables shared by the services that use DynamoDB. */
export const dynamoEnv = {
  DYNAMO_ENDPOINT: z.url().optional().describe('a DynamoDB endpoint URL (local dynalite); unset on AWS'),
  AWS_REGION: z.string().min(1).default('us-east-1').describe('an AWS region, e.g. ap-northeast-1'),
  DYNAMO_CREATE_TABLES: env.bool(false).describe('create missing tables at start-up (local endpoints only; Terraform owns them on AWS)'),
  TABLE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default('dbre-').describe('DynamoDB table name prefix'),
};

/** The platform configuration file (inventory, policy, ...). */
export const platformFileEnv = {
  PLATFORM_CONFIG: z.string().min(1).default('tools/local-stack/platform.local.yaml').describe('path to the platform YAML/JSON config file'),
};
