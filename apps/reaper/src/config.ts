import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { env, serviceEnv } from '@dbre/service-kit';

export const reaperConfig = z.object({
  ...serviceEnv,
  /** Health, readiness and metrics. */
  PORT: env.port(9102),
  WORKER_CONCURRENCY: env.int(4, 1),
  ...redisEnv,
  ...dynamoEnv,
  ...platformFileEnv,
});

export type ReaperConfig = z.output<typeof reaperConfig>;
