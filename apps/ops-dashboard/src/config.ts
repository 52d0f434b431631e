import { z } from 'zod';
import { dynamoEnv, platformFileEnv, redisEnv } from '@dbre/config';
import { checkDrivers, driversEnv } from '@dbre/drivers';
import { checkApiClients, env, optionalApiClientsEnv, serviceEnv } from '@dbre/service-kit';

export const opsDashboardConfig = z
  .object({
    ...serviceEnv,
    PORT: env.port(3004),
    ...redisEnv,
    ...dynamoEnv,
    ...platformFileEnv,
    // The doc sink the doc-crawler publishes to (changelogs, /published-docs/); same variables as there.
    ...driversEnv,
    DOCS_OUT_DIR: z.string().min(1).default('var/docs').describe('folder the local doc sink reads from (DRIVER_DOCS=local), e.g. var/docs'),
    DASHBOARD_AUTH: z
      .enum(['basic', 'alb-oidc'])
      .default('basic')
      .describe('basic (users of the platform file section `dashboard.users`) or alb-oidc (verify the ALB x-amzn-oidc-data token)'),
    ALB_OIDC_KEY_URL: z
      .string()
      .regex(/^https?:\/\/.+\{kid\}/, 'an http(s) URL containing {kid}')
      .default('https://public-keys.auth.elb.{region}.amazonaws.com/{kid}')
      .describe('where the ALB public key of a kid is fetched; {region} and {kid} are substituted'),
    ALB_ARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/.+$/, 'an application load balancer ARN')
      .optional()
      .describe('the ARN of the ALB in front of the dashboard; tokens must name it as signer (required with alb-oidc)'),
    OIDC_ISSUER: z.url().optional().describe('the IdP issuer the token must carry (optional)'),
    CSRF_SECRET: z
      .string()
      .min(32)
      .optional()
      .describe('at least 32 characters; signs form tokens; set it when more than one task runs (random per process otherwise)'),
    DOCS_BASE_URL: z
      .string()
      .regex(/^(https?:\/\/|\/)/, 'an http(s) URL or a path starting with /')
      .optional()
      .describe('where the published docs are read (S3/CloudFront URL); links are <base>/<clusterId>/...'),
    REQUEST_API_URL: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL')
      .optional()
      .describe('request-api base URL, e.g. http://127.0.0.1:3001; with REQUEST_API_TOKEN it enables "end now"'),
    REQUEST_API_TOKEN: z
      .string()
      .min(24)
      .optional()
      .describe("this dashboard's bearer token in request-api's API_TOKENS (tool ops-dashboard), 24+ characters"),
    APPROVAL_API_URL: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL')
      .optional()
      .describe('approval-api base URL, e.g. http://127.0.0.1:3002; with APPROVAL_API_TOKEN it enables Approve / Deny on request pages'),
    APPROVAL_API_TOKEN: z
      .string()
      .min(24)
      .optional()
      .describe("this dashboard's bearer token in approval-api's API_TOKENS (tool ops-dashboard), 24+ characters"),
    SIGN_OUT_URL: z.url().optional().describe("with alb-oidc: the IdP's logout URL that Sign out sends the browser to after dropping the ALB session cookies"),
    QUEUE_SAMPLE_MS: env.ms(60_000).describe('how often the overview samples queue depth for its chart, ms'),
    ...optionalApiClientsEnv,
    TRUSTED_PROXIES: z
      .string()
      .regex(/^[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*$/, 'comma-separated addresses or CIDRs')
      .optional()
      .transform((v) => (v ? v.split(',') : []))
      .describe('addresses/CIDRs of the proxies (the ALB subnets) whose X-Forwarded-* headers are believed; unset: none'),
    METRICS_POLL_MS: env.ms(15_000).describe('how often finished jobs and grants are read for the histograms, ms'),
    // Evidence (read-only): the folder or the Object Lock bucket the lifecycle seals bundles into.
    EVIDENCE_DIR: z.string().min(1).optional().describe('local evidence store folder (e.g. var/evidence); the request page then shows sealed evidence'),
    EVIDENCE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/).optional().describe('the evidence S3 bucket (Object Lock); wins over EVIDENCE_DIR'),
    EVIDENCE_PREFIX: z.string().regex(/^(|[A-Za-z0-9._@=+/-]*\/)$/).default('').describe('key prefix in the evidence bucket, empty or ending with /'),
  })
  .superRefine(checkDrivers(['docs']))
  .superRefine(checkApiClients)
  .refine((c) => c.DASHBOARD_AUTH !== 'alb-oidc' || c.ALB_ARN !== undefined, { message: 'ALB_ARN is required when DASHBOARD_AUTH=alb-oidc', path: ['ALB_ARN'] });

export type OpsDashboardConfig = z.output<typeof opsDashboardConfig>;
