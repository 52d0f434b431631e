import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { checkDrivers, driversEnv } from '@dbre/drivers';
import { apiClientsEnv, checkApiClients, env, serviceEnv } from '@dbre/service-kit';
import { slackEnv } from '@dbre/slack';

export const requestApiConfig = z
  .object({
    ...serviceEnv,
    PORT: env.port(3001),
    ...redisEnv,
    ...dynamoEnv,
    ...platformFileEnv,
    ...slackEnv,
    ...driversEnv,
    ...apiClientsEnv,
    SECRET_STORE_KEY: z.string().min(1).describe('the local secret-store key (also seals credentials in the outbox): 32 random bytes, base64'),
    DOCS_OUT_DIR: z
      .string()
      .min(1)
      .default('var/docs')
      .describe("the doc-crawler's local folder (DRIVER_DOCS=local): the request modal offers each cluster's databases from its latest snapshot"),
    ACCESS_MINUTE_MS: env.int(60_000, 100).describe('length of one policy minute in ms; 60000 except in tests and benchmarks'),
  })
  .superRefine(checkDrivers(['inventory', 'secrets']))
  .superRefine(checkApiClients);

export type RequestApiConfig = z.output<typeof requestApiConfig>;
