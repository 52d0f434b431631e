import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { env, serviceEnv } from '@dbre/service-kit';

export const schemaReviewConfig = z.object({
  ...serviceEnv,
  PORT: env.port(3003),
  ...redisEnv,
  ...dynamoEnv,
  ...platformFileEnv,
});

export type SchemaReviewConfig = z.output<typeof schemaReviewConfig>;
