import { z } from 'zod';
import { deploymentEnv, dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { checkDrivers, driversEnv } from '@dbre/drivers';
import { env, serviceEnv } from '@dbre/service-kit';
import { slackEnv } from '@dbre/slack';

export const provisionerConfig = z
  .object({
    ...serviceEnv,
    /** Health, readiness and metrics. */
    PORT: env.port(9101),
    WORKER_CONCURRENCY: env.int(8, 1),
    WORKER_LOCK_MS: env.ms(30_000).describe('BullMQ lock duration in ms: a crashed worker\'s job is resumed after about this long'),
    ...redisEnv,
    ...deploymentEnv,
    ...dynamoEnv,
    ...platformFileEnv,
    ...slackEnv,
    ...driversEnv,
    SECRET_STORE_KEY: z.string().min(1).describe('the local secret-store key: 32 random bytes, base64 (openssl rand -base64 32)'),
    FORWARDER_RECONCILE_MS: env.ms(5000).describe('how often the forwarder host re-reads every bastion record (the backstop behind Redis pub/sub and the per-connection check), ms'),
    ACCESS_MINUTE_MS: env.int(60_000, 100).describe('length of one policy minute in ms; 60000 except in tests and benchmarks'),
    /** Test-only fault injection: exit the process right after this provisioning step. */
    FAULT_EXIT_AFTER_STEP: z.enum(['bastion', 'secret', 'user', 'deliver', 'active']).optional().describe('bastion|secret|user|deliver|active (tests only)'),
  })
  .superRefine(checkDrivers(['inventory', 'bastion', 'secrets']));

export type ProvisionerConfig = z.output<typeof provisionerConfig>;
