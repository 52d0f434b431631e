import { z } from 'zod';
import { dynamoEnv } from '@dbre/config';
import type { Dynamo } from '@dbre/store';
import { ConfigError, env } from '@dbre/service-kit';
import type { Clock } from './aws/backoff';
import type { AwsClients } from './aws/clients';
import type * as AwsDriverFactory from './aws/create-driver';
import type { PoolLogger } from './aws/bastion-pool';
import { BASTION_DEFAULTS, bastionNetworksSchema, POOL_DEFAULTS } from './aws/settings';
import type { AuditSource, Bastion, DocSink, EvidenceStore, Inventory, SecretStore } from './ports';

/** The parts chosen by configuration; the Notifier follows the Slack settings instead. */
export interface Drivers {
  inventory: Inventory;
  bastion: Bastion;
  secrets: SecretStore;
  docs: DocSink;
  /** The database audit log (evidence): MariaDB server_audit locally, Aurora Advanced Auditing in CloudWatch Logs. */
  audit: AuditSource;
  /** Write-once evidence and anchors: a folder locally, S3 with Object Lock. */
  evidence: EvidenceStore;
}
export type DriverPart = keyof Drivers;
export type DriverKind = 'local' | 'aws';
export const DRIVER_PARTS: readonly DriverPart[] = ['inventory', 'bastion', 'secrets', 'docs', 'audit', 'evidence'];

const kind = z.enum(['local', 'aws']);
const csv = (what: string) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .optional()
    .describe(what);
const optionalString = (what: string) => z.string().min(1).optional().describe(what);

/** Environment variables for driver selection; spread into a service's schema. */
export const driversEnv = {
  // No default in production: a service started on AWS without DRIVERS must not fall back to the
  // local stand-ins silently (see productionProblems).
  DRIVERS: kind.optional().describe('local (embedded stand-ins) or aws; required in production, local otherwise'),
  NODE_ENV: z.string().optional().describe('production makes DRIVERS mandatory'),
  ECS_CONTAINER_METADATA_URI_V4: z.string().optional().describe('set by ECS in every task: DRIVERS is then mandatory'),
  DRIVER_INVENTORY: kind.optional().describe('local or aws; overrides DRIVERS for the inventory'),
  DRIVER_BASTION: kind.optional().describe('local or aws; overrides DRIVERS for the bastion'),
  DRIVER_SECRETS: kind.optional().describe('local or aws; overrides DRIVERS for the secret store'),
  DRIVER_DOCS: kind.optional().describe('local or aws; overrides DRIVERS for the doc sink'),
  DRIVER_AUDIT: kind.optional().describe('local (MariaDB server_audit file) or aws (Aurora Advanced Auditing in CloudWatch Logs); overrides DRIVERS for the database audit log'),
  DRIVER_EVIDENCE: kind.optional().describe('local (a folder) or aws (S3 with Object Lock); overrides DRIVERS for the evidence store'),
  AWS_REGION: dynamoEnv.AWS_REGION,
  PLATFORM_TAG: z.string().regex(/^[A-Za-z0-9_.:/=+@-]{1,128}$/).default('dbre-platform').describe('value of the managed-by tag on AWS resources'),
  // Bastion (EC2 + SSM)
  BASTION_SUBNET_IDS: csv('comma-separated subnet ids, one per AZ, tried in order (subnet-...)'),
  BASTION_SECURITY_GROUP_ID: z.string().regex(/^sg-[0-9a-f]{8,17}$/).optional().describe('the base bastion security group (sg-...): no inbound rules, egress to SSM only'),
  BASTION_VPC_ID: z.string().regex(/^vpc-[0-9a-f]{8,17}$/).optional().describe('VPC of the bastion subnets (vpc-...), where per-bastion security groups are created'),
  BASTION_SESSION_DOCUMENT: z.string().regex(/^[A-Za-z0-9_.-]{3,128}$/).default(BASTION_DEFAULTS.sessionDocument).describe("the platform's port-forwarding Session document (infra output bastion_session_document)"),
  BASTION_DATABASE_CIDRS: csv('comma-separated CIDRs a bastion may reach when its cluster names no security group (the fleet databases)'),
  BASTION_INSTANCE_PROFILE: optionalString('name or ARN of the bastion instance profile (SSM core only)'),
  BASTION_INSTANCE_TYPE: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/).default(BASTION_DEFAULTS.instanceType).describe('an EC2 instance type, e.g. t3.micro'),
  BASTION_AMI_PARAMETER: z.string().startsWith('/').default(BASTION_DEFAULTS.amiParameter).describe('public SSM parameter with the AMI id'),
  BASTION_KMS_KEY_ID: optionalString('KMS key for the root volume (default: aws/ebs)'),
  BASTION_GRACE_MINUTES: env.int(BASTION_DEFAULTS.graceMinutes),
  BASTION_LOCAL_PORT: env.port(BASTION_DEFAULTS.localPort),
  BASTION_ONLINE_TIMEOUT_MS: env.ms(BASTION_DEFAULTS.online.timeoutMs),
  // Warm pool of stopped bastions (aws bastion only; needs the bastion-pool table)
  BASTION_POOL: z.enum(['on', 'off']).default('off').describe('on: claim a stopped, pre-booted bastion before launching one cold (the reaper keeps the pools filled)'),
  BASTION_POOL_SIZE: env.int(POOL_DEFAULTS.size).describe('stopped bastions kept per bastion subnet (AZ), 0-50'),
  BASTION_POOL_SIZES: z
    .string()
    .regex(/^(subnet-[0-9a-f]{8,17}=\d{1,2})(,subnet-[0-9a-f]{8,17}=\d{1,2})*$/)
    .transform((s) =>
      new Map(
        s.split(',').map((kv) => {
          const [subnet = '', size = ''] = kv.split('=');
          return [subnet, Number(size)] as const;
        }),
      ),
    )
    .optional()
    .describe('per-subnet sizes overriding BASTION_POOL_SIZE, e.g. subnet-0aaa...=3,subnet-0bbb...=0'),
  BASTION_POOL_MAX_AGE_MS: env.ms(POOL_DEFAULTS.maxAgeMs).describe('available pool bastions launched longer ago are recycled, ms'),
  BASTION_POOL_REFILL_EVERY_MS: env.ms(POOL_DEFAULTS.refillEveryMs).describe('reaper: how often the pool refill job runs, ms'),
  BASTION_NETWORKS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s?.trim()) return [];
      let raw: unknown;
      try {
        raw = JSON.parse(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
      const parsed = bastionNetworksSchema.safeParse(raw);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
        return z.NEVER;
      }
      return parsed.data;
    })
    .describe('JSON list of further bastion networks, one per region/VPC: [{"region","vpcId","subnetIds":[..],"securityGroupId","databaseCidrs"?:[..]}] (infra output bastion_networks); a cluster\'s bastion is launched in its own region/VPC'),
  BASTION_AMI_ALERT_DAYS: env.int(30, 1).describe("reaper: a bastion whose image is older than this many days, or not the newest, is flagged (dbre_bastion_ami_stale)"),
  // Secrets Manager
  // Secret ids already read `dbre/access/<requestId>`; a prefix separates several deployments in one account.
  SECRETS_NAME_PREFIX: z.string().regex(/^[A-Za-z0-9/_+=.@-]{0,64}$/).default('').describe('prefix of every secret name (default none), e.g. stg/'),
  SECRETS_KMS_KEY_ID: optionalString('KMS key for secrets (default: aws/secretsmanager)'),
  // RDS inventory
  RDS_REGIONS: csv('comma-separated regions to list clusters in (default: AWS_REGION)'),
  RDS_FLEET_TAG: z.string().regex(/^[^=]+=.*$/).default('dbre:fleet=true').describe('key=value tag marking a cluster as part of the fleet'),
  RDS_INVENTORY_CREDENTIALS: z.enum(['resolve', 'omit']).default('resolve').describe('resolve (read admin secrets) or omit (services that never log in)'),
  RDS_INVENTORY_CACHE_MS: env.ms(60_000),
  RDS_CA_BUNDLE: optionalString('path of the RDS CA bundle (PEM): every database connection then uses TLS with the server certificate verified; the image ships it at /app/certs/rds-global-bundle.pem'),
  // S3 doc sink
  DOCS_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/).optional().describe('the docs S3 bucket name'),
  DOCS_PREFIX: z.string().regex(/^(|[A-Za-z0-9._@=+/-]*\/)$/).default('').describe('key prefix, empty or ending with /'),
  DOCS_S3_ENDPOINT: z.url().optional().describe('an S3 endpoint URL (tests, S3-compatible stores); unset on AWS'),
  DOCS_S3_FORCE_PATH_STYLE: env.bool(false),
  // Evidence (docs/evidence.md)
  EVIDENCE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/).optional().describe('the evidence S3 bucket (Object Lock, compliance mode)'),
  EVIDENCE_PREFIX: z
    .string()
    .regex(/^(|[A-Za-z0-9._@=+/-]*\/)$/)
    .refine((p) => p === '' || p.slice(0, -1).split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'), 'no empty, . or .. segments')
    .default('').describe('evidence key prefix, empty or ending with /'),
  EVIDENCE_RETENTION_DAYS: env.int(400, 1).describe('days each evidence object stays locked in compliance mode (at least the bucket default)'),
  EVIDENCE_DIR: z.string().min(1).default('var/evidence').describe('local evidence store folder (write-once files)'),
  AUDIT_LOG_PATH: optionalString('local: the server_audit log file when it is not where MariaDB says (a copy, a mount)'),
};

export const driversConfig = z.object(driversEnv);
export type DriversConfig = z.output<typeof driversConfig>;
/**
 * What the functions below read: DriversConfig, except that a service may declare EVIDENCE_DIR
 * optional (ops-dashboard shows evidence only when it is set); no driver here reads it.
 */
export type DriversSettings = Omit<DriversConfig, 'EVIDENCE_DIR'> & { EVIDENCE_DIR?: string | undefined };

const OVERRIDE: Record<DriverPart, keyof DriversConfig> = {
  inventory: 'DRIVER_INVENTORY',
  bastion: 'DRIVER_BASTION',
  secrets: 'DRIVER_SECRETS',
  docs: 'DRIVER_DOCS',
  audit: 'DRIVER_AUDIT',
  evidence: 'DRIVER_EVIDENCE',
};

/** Which implementation each part uses: the per-part override, else DRIVERS, else local (outside production). */
export function driverChoice(config: DriversSettings, part: DriverPart): DriverKind {
  return (config[OVERRIDE[part]] as DriverKind | undefined) ?? config.DRIVERS ?? 'local';
}

/** Production (NODE_ENV=production) or an ECS task: where the local stand-ins must never be picked by default. */
export function isProduction(config: Pick<DriversConfig, 'NODE_ENV' | 'ECS_CONTAINER_METADATA_URI_V4'>): boolean {
  return config.NODE_ENV === 'production' || Boolean(config.ECS_CONTAINER_METADATA_URI_V4);
}

/** Variables an AWS part cannot run without (infra/ is checked to set them). */
export const DRIVER_REQUIRED: Record<DriverPart, ReadonlyArray<keyof DriversConfig>> = {
  inventory: [],
  bastion: ['BASTION_SUBNET_IDS', 'BASTION_SECURITY_GROUP_ID', 'BASTION_VPC_ID', 'BASTION_INSTANCE_PROFILE'],
  secrets: [],
  docs: ['DOCS_BUCKET'],
  audit: [],
  evidence: ['EVIDENCE_BUCKET'],
};

/** Problems with the configuration of the given parts, as `VARIABLE: message` lines. */
export function driverProblems(config: DriversSettings, parts: readonly DriverPart[]): Array<{ variable: keyof DriversConfig; message: string }> {
  const problems: Array<{ variable: keyof DriversConfig; message: string }> = [];
  if (config.DRIVERS === undefined && isProduction(config)) {
    problems.push({
      variable: 'DRIVERS',
      message: 'must be set in production (NODE_ENV=production or on ECS): aws, or local to run the embedded stand-ins on purpose',
    });
  }
  for (const part of parts) {
    if (driverChoice(config, part) !== 'aws') continue;
    for (const variable of DRIVER_REQUIRED[part]) {
      const value = config[variable];
      if (value === undefined || (Array.isArray(value) && value.length === 0)) {
        problems.push({ variable, message: `required when the ${part} driver is aws (${driversEnv[variable].description ?? ''})` });
      }
    }
  }
  return problems;
}

/**
 * A refinement for a service's schema, so `loadConfigOrExit` reports missing AWS settings (and a
 * missing DRIVERS in production) with every other problem at start-up:
 * `z.object({...driversEnv}).superRefine(checkDrivers(['bastion']))`; a service that selects no
 * part uses `checkDrivers([])`.
 */
export function checkDrivers(parts: readonly DriverPart[]) {
  return (config: DriversSettings, ctx: z.RefinementCtx): void => {
    for (const p of driverProblems(config, parts)) ctx.addIssue({ code: 'custom', path: [p.variable], message: p.message });
  };
}

/** Factories for the local implementations, written elsewhere; only the needed ones are called. */
export type LocalDriverFactories = { [K in DriverPart]?: () => Drivers[K] | Promise<Drivers[K]> };

export interface SelectOptions {
  clients?: AwsClients;
  clock?: Clock;
  /** Clusters the RDS inventory leaves out, and why. */
  onInventorySkip?: (cluster: string, reason: string) => void;
  /** A region whose bastions could not be listed (the others still are). */
  onBastionRegionError?: (region: string, err: unknown) => void;
  /** The region of a cluster (the AWS audit source reads its log group there; default AWS_REGION). */
  clusterRegion?: (clusterId: string) => Promise<string | undefined>;
  /** The platform's tables: with BASTION_POOL=on the aws bastion is a PooledBastion over the bastion-pool table. */
  dynamo?: Dynamo;
  poolLogger?: PoolLogger;
}

/** The per-subnet sizes of the warm pool: BASTION_POOL_SIZES over BASTION_POOL_SIZE. */
export function poolSizes(config: Pick<DriversConfig, 'BASTION_SUBNET_IDS' | 'BASTION_POOL_SIZE' | 'BASTION_POOL_SIZES'>): Map<string, number> {
  return new Map((config.BASTION_SUBNET_IDS ?? []).map((s) => [s, config.BASTION_POOL_SIZES?.get(s) ?? config.BASTION_POOL_SIZE]));
}

/**
 * Builds the parts a service needs, each local or AWS as configured. Throws ConfigError (every
 * problem at once) when an AWS part lacks settings or a local factory is missing.
 */
export async function selectDrivers<P extends DriverPart>(
  config: DriversSettings,
  parts: readonly P[],
  local: LocalDriverFactories,
  options: SelectOptions = {},
): Promise<Pick<Drivers, P> & { choices: Record<P, DriverKind> }> {
  const problems = driverProblems(config, parts).map((p) => `${p.variable}: ${p.message}`);
  for (const part of parts) {
    if (driverChoice(config, part) === 'local' && !local[part]) problems.push(`${OVERRIDE[part]}: no local ${part} driver is available in this service; use aws`);
  }
  if (problems.length) throw new ConfigError(problems);
  // The AWS SDK is loaded only when a part runs on AWS: a service on the local drivers never loads it.
  const aws = parts.some((part) => driverChoice(config, part) === 'aws') ? (require('./aws/create-driver') as typeof AwsDriverFactory) : undefined;
  const clients = options.clients ?? aws?.createAwsClients();
  const result = { choices: {} } as Pick<Drivers, P> & { choices: Record<P, DriverKind> };
  for (const part of parts) {
    const choice = driverChoice(config, part);
    result.choices[part] = choice;
    const factory = local[part] as (() => Drivers[P] | Promise<Drivers[P]>) | undefined;
    // driverProblems refused a local part without a factory: a part is aws here, or has its factory.
    (result as Record<P, unknown>)[part] = aws && (choice === 'aws' || !factory) ? aws.createAwsDriver(part, config, { ...options, ...(clients ? { clients } : {}) }) : await factory?.();
  }
  return result;
}
