import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { env, serviceEnv } from '@dbre/service-kit';

export const requestApiConfig = z.object({
  ...serviceEnv,
  PORT: env.port(3001),
  ...redisEnv,
  ...dynamoEnv,
  ...platformFileEnv,
});

export type RequestApiConfig = z.output<typeof requestApiConfig>;
