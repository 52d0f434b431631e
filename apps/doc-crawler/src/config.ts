import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { checkDrivers, driversEnv } from '@dbre/drivers';
import { slackEnv } from '@dbre/slack';
import { apiClientsEnv, checkApiClients, env, serviceEnv } from '@dbre/service-kit';

export const docCrawlerConfig = z
  .object({
    ...serviceEnv,
    PORT: env.port(3005),
    ...redisEnv,
    ...dynamoEnv,
    ...platformFileEnv,
    ...driversEnv,
    /** Local DocSink root (DRIVER_DOCS=local). */
    DOCS_OUT_DIR: z
      .string()
      .min(1)
      .default('var/docs')
      .describe('folder the local doc sink writes to, e.g. var/docs'),
    DOCS_SCHEDULE_ENABLED: env.bool(true),
    DOCS_CRON: z
      .string()
      .regex(/^\S+( \S+){4,5}$/, 'a cron pattern of 5 or 6 fields')
      .default('0 3 * * *')
      .describe('cron pattern of the scheduled fleet crawl, e.g. "0 3 * * *"'),
    DOCS_TZ: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'an IANA time zone')
      .default('UTC')
      .describe('IANA time zone of DOCS_CRON, e.g. Asia/Tokyo'),
    DOCS_CONCURRENCY: env.int(2, 1),
    DOCS_CLUSTER_TIMEOUT_MS: env.ms(15 * 60_000),
    DOCS_CONNECT_TIMEOUT_MS: env.ms(10_000),
    /** Connections per cluster for SHOW CREATE TABLE. */
    DOCS_PARALLELISM: env.int(3, 1),
    DOCS_SCHEMA_PATTERN: z
      .string()
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'a valid regular expression')
      .optional()
      .describe('only schemas whose name matches this regular expression are documented'),
    DOCS_RDS_FAMILIES: z
      .string()
      .regex(/^[a-z0-9.-]+(,[a-z0-9.-]+)*$/, 'comma-separated parameter group families')
      .optional()
      .describe(
        'RDS parameter group families whose engine defaults mark non-default parameters, e.g. aurora-mysql8.0',
      ),
    DOCS_NOTIFY_TO: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Slack channel id (C…) or user the change summaries go to; unset: no messages'),
    /** The local outbox keeps the messages (sealed like every notification); needed with DOCS_NOTIFY_TO. */
    SECRET_STORE_KEY: z
      .string()
      .min(1)
      .optional()
      .describe('the local secret-store key: 32 random bytes, base64'),
    ...slackEnv,
    ...apiClientsEnv,
  })
  .superRefine(checkDrivers(['inventory', 'docs']))
  .superRefine(checkApiClients)
  .superRefine((c, ctx) => {
    if (c.DOCS_NOTIFY_TO && !c.SECRET_STORE_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['SECRET_STORE_KEY'],
        message: 'required when DOCS_NOTIFY_TO is set (the notifications go through the local outbox)',
      });
  });

export type DocCrawlerConfig = z.output<typeof docCrawlerConfig>;
