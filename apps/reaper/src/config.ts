import { z } from 'zod';
import { deploymentEnv, dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { checkDrivers, driversEnv } from '@dbre/drivers';
import { env, serviceEnv } from '@dbre/service-kit';
import { slackEnv } from '@dbre/slack';

export const reaperConfig = z
  .object({
    ...serviceEnv,
    /** Health, readiness and metrics. */
    PORT: env.port(9102),
    WORKER_CONCURRENCY: env.int(8, 1),
    ...redisEnv,
    ...deploymentEnv,
    ...dynamoEnv,
    ...platformFileEnv,
    ...slackEnv,
    ...driversEnv,
    SECRET_STORE_KEY: z.string().min(1).describe('the local secret-store key: 32 random bytes, base64 (openssl rand -base64 32)'),
    SWEEP_EVERY_MS: env.ms(60_000).describe('how often the sweep runs, ms'),
    STUCK_AFTER_MS: env.ms(300_000).describe('provisioning or revoking untouched this long is resumed or compensated by the sweep, ms'),
    ACCESS_MINUTE_MS: env.int(60_000, 100).describe('length of one policy minute in ms; 60000 except in tests and benchmarks'),
  })
  .superRefine(checkDrivers(['inventory', 'bastion', 'secrets']));

export type ReaperConfig = z.output<typeof reaperConfig>;
