import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { env, serviceEnv } from '@dbre/service-kit';

export const provisionerConfig = z.object({
  ...serviceEnv,
  /** Health, readiness and metrics. */
  PORT: env.port(9101),
  WORKER_CONCURRENCY: env.int(4, 1),
  ...redisEnv,
  ...dynamoEnv,
  ...platformFileEnv,
});

export type ProvisionerConfig = z.output<typeof provisionerConfig>;
