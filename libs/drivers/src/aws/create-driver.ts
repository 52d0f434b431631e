// The AWS implementation of each driver part. Loaded by selectDrivers only when a part runs on AWS,
// so services on the local drivers never load the AWS SDK clients.
import { readFileSync } from 'node:fs';
import { ConfigError } from '@dbre/service-kit';
import { poolSizes, type Drivers, type DriverPart, type DriversSettings, type SelectOptions } from '../select';
import { realClock } from './backoff';
import { PooledBastion } from './bastion-pool';
import { createAwsClients } from './clients';
import { CloudWatchAuditSource } from './cloudwatch-audit-source';
import { Ec2SsmBastion, type Ec2SsmBastionOptions } from './ec2-ssm-bastion';
import { RdsInventory } from './rds-inventory';
import { RegionalBastion } from './regional-bastion';
import { S3DocSink } from './s3-doc-sink';
import { S3EvidenceStore } from './s3-evidence-store';
import { SecretsManagerStore } from './secrets-manager-store';
import { BASTION_DEFAULTS, POOL_DEFAULTS, type BastionNetwork } from './settings';

export { createAwsClients };

/** The AWS implementation of one part, from validated configuration. */
export function createAwsDriver<K extends DriverPart>(part: K, config: DriversSettings, options: SelectOptions = {}): Drivers[K] {
  const clients = options.clients ?? createAwsClients();
  const clock = options.clock ?? realClock;
  const region = config.AWS_REGION;
  const made: { [P in DriverPart]: () => Drivers[P] } = {
    bastion: () => {
      const home: BastionNetwork = {
        region,
        vpcId: config.BASTION_VPC_ID ?? '',
        subnetIds: config.BASTION_SUBNET_IDS ?? [],
        securityGroupId: config.BASTION_SECURITY_GROUP_ID ?? '',
        databaseCidrs: config.BASTION_DATABASE_CIDRS ?? [],
      };
      const optionsFor = (network: BastionNetwork): Ec2SsmBastionOptions => ({
        region: network.region,
        subnetIds: network.subnetIds,
        securityGroupId: network.securityGroupId,
        vpcId: network.vpcId,
        databaseCidrs: network.databaseCidrs ?? [],
        sessionDocument: config.BASTION_SESSION_DOCUMENT,
        instanceProfile: config.BASTION_INSTANCE_PROFILE ?? '',
        instanceType: config.BASTION_INSTANCE_TYPE,
        amiParameter: config.BASTION_AMI_PARAMETER,
        managedBy: config.PLATFORM_TAG,
        // A KMS key is regional: elsewhere the account's default aws/ebs key encrypts the volume.
        ...(config.BASTION_KMS_KEY_ID && network.region === region ? { kmsKeyId: config.BASTION_KMS_KEY_ID } : {}),
        graceMinutes: config.BASTION_GRACE_MINUTES,
        localPort: config.BASTION_LOCAL_PORT,
        online: { ...BASTION_DEFAULTS.online, timeoutMs: config.BASTION_ONLINE_TIMEOUT_MS },
      });
      const make = (network: BastionNetwork) => new Ec2SsmBastion(clients.ec2(network.region), clients.ssm(network.region), optionsFor(network), clock);
      // The warm pool serves the home network (the platform's VPC); other regions launch cold.
      const homeBastion = () => {
        const cold = make(home);
        if (config.BASTION_POOL === 'off') return cold;
        if (!options.dynamo) throw new ConfigError(['BASTION_POOL: on needs the platform tables (this service passes no DynamoDB to the drivers)']);
        const settings = { sizes: poolSizes(config), maxAgeMs: config.BASTION_POOL_MAX_AGE_MS, warmupMs: POOL_DEFAULTS.warmupMs, refillWaitMs: POOL_DEFAULTS.refillWaitMs };
        return new PooledBastion(clients.ec2(region), clients.ssm(region), options.dynamo, cold, optionsFor(home), settings, clock, options.poolLogger);
      };
      const extra = config.BASTION_NETWORKS ?? [];
      if (extra.length === 0) return homeBastion();
      // Instance profile, session document and KMS key alias are per region too: Terraform creates them with the same names.
      return new RegionalBastion(
        [{ network: home, bastion: homeBastion() }, ...extra.map((network) => ({ network, bastion: make(network) }))],
        { homeRegion: region, ...(options.onBastionRegionError ? { onRegionError: options.onBastionRegionError } : {}) },
      );
    },
    secrets: () =>
      new SecretsManagerStore(clients.secrets(region), {
        namePrefix: config.SECRETS_NAME_PREFIX,
        managedBy: config.PLATFORM_TAG,
        ...(config.SECRETS_KMS_KEY_ID ? { kmsKeyId: config.SECRETS_KMS_KEY_ID } : {}),
      }),
    inventory: () => {
      const eq = config.RDS_FLEET_TAG.indexOf('=');
      return new RdsInventory(
        (r) => ({ rds: clients.rds(r), secrets: clients.secrets(r) }),
        {
          regions: config.RDS_REGIONS?.length ? config.RDS_REGIONS : [region],
          tagKey: config.RDS_FLEET_TAG.slice(0, eq),
          tagValue: config.RDS_FLEET_TAG.slice(eq + 1),
          credentials: config.RDS_INVENTORY_CREDENTIALS,
          cacheTtlMs: config.RDS_INVENTORY_CACHE_MS,
          ...(config.RDS_CA_BUNDLE ? { tlsCa: readFileSync(config.RDS_CA_BUNDLE, 'utf8') } : {}),
          ...(options.onInventorySkip ? { onSkip: options.onInventorySkip } : {}),
        },
        clock,
      );
    },
    docs: () =>
      new S3DocSink(
        clients.s3(region, {
          ...(config.DOCS_S3_ENDPOINT ? { endpoint: config.DOCS_S3_ENDPOINT } : {}),
          forcePathStyle: config.DOCS_S3_FORCE_PATH_STYLE,
        }),
        { bucket: config.DOCS_BUCKET ?? '', prefix: config.DOCS_PREFIX },
      ),
    audit: () => {
      const clusterRegion = options.clusterRegion;
      return new CloudWatchAuditSource((r) => clients.logs(r), {
        region,
        ...(clusterRegion ? { regionOf: async (clusterId: string) => (await clusterRegion(clusterId)) ?? region } : {}),
      });
    },
    evidence: () => new S3EvidenceStore(clients.s3(region), { bucket: config.EVIDENCE_BUCKET ?? '', prefix: config.EVIDENCE_PREFIX, retentionDays: config.EVIDENCE_RETENTION_DAYS }),
  };
  return made[part]();
}

/** The warm pool behind a bastion driver (alone or as the home region's), for the reaper's refill job. */
export function bastionPoolOf(bastion: unknown): PooledBastion | undefined {
  if (bastion instanceof PooledBastion) return bastion;
  if (bastion instanceof RegionalBastion && bastion.homeBastion instanceof PooledBastion) return bastion.homeBastion;
  return undefined;
}
