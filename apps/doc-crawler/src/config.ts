import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { env, serviceEnv } from '@dbre/service-kit';

export const docCrawlerConfig = z.object({
  ...serviceEnv,
  PORT: env.port(3005),
  ...redisEnv,
  ...dynamoEnv,
  ...platformFileEnv,
});

export type DocCrawlerConfig = z.output<typeof docCrawlerConfig>;
