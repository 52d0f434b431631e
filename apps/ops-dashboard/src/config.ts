import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { env, serviceEnv } from '@dbre/service-kit';

export const opsDashboardConfig = z.object({
  ...serviceEnv,
  PORT: env.port(3004),
  ...redisEnv,
  ...dynamoEnv,
  ...platformFileEnv,
});

export type OpsDashboardConfig = z.output<typeof opsDashboardConfig>;
