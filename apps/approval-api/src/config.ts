import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { env, serviceEnv } from '@dbre/service-kit';

export const approvalApiConfig = z.object({
  ...serviceEnv,
  PORT: env.port(3002),
  ...redisEnv,
  ...dynamoEnv,
  ...platformFileEnv,
});

export type ApprovalApiConfig = z.output<typeof approvalApiConfig>;
