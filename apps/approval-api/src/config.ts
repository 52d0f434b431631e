import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { driversEnv } from '@dbre/drivers';
import { apiClientsEnv, checkApiClients, env, serviceEnv } from '@dbre/service-kit';
import { slackEnv } from '@dbre/slack';

export const approvalApiConfig = z.object({
  ...serviceEnv,
  PORT: env.port(3002),
  ...redisEnv,
  ...dynamoEnv,
  ...platformFileEnv,
  ...slackEnv,
  // Validated like every service's (DRIVERS=aws on AWS), though no selectable part is used here:
  // approvals need neither the inventory, a bastion, the secret store nor the doc sink.
  ...driversEnv,
  ...apiClientsEnv,
  SECRET_STORE_KEY: z.string().min(1).describe('the local secret-store key: 32 random bytes, base64'),
  ACCESS_MINUTE_MS: env.int(60_000, 100).describe('length of one policy minute in ms; 60000 except in tests and benchmarks'),
}).superRefine(checkApiClients);

export type ApprovalApiConfig = z.output<typeof approvalApiConfig>;
