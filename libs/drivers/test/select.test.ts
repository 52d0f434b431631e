import { z } from 'zod';
import { ConfigError, parseConfig } from '@dbre/service-kit';
import { CloudWatchAuditSource, Ec2SsmBastion, RdsInventory, S3DocSink, S3EvidenceStore, SecretsManagerStore } from '../src/aws';
import { checkDrivers, driverChoice, driversConfig, driversEnv, selectDrivers, type Drivers } from '../src/select';
import type { Bastion, DocSink, Inventory, SecretStore } from '../src/ports';

const awsEnv = {
  DRIVERS: 'aws',
  AWS_REGION: 'eu-west-1',
  BASTION_SUBNET_IDS: 'subnet-0aaaaaaaaaaaaaaaa, subnet-0bbbbbbbbbbbbbbbb',
  BASTION_SECURITY_GROUP_ID: 'sg-0123456789abcdef0',
  BASTION_VPC_ID: 'vpc-0123456789abcdef0',
  BASTION_INSTANCE_PROFILE: 'dbre-bastion',
  DOCS_BUCKET: 'dbre-docs-123456789012',
};

const fakeLocal = {
  inventory: (): Inventory => ({ list: async () => [], get: async () => undefined }),
  bastion: (): Bastion => ({ open: async () => ({ bastionId: 'l', connect: { host: '127.0.0.1', port: 1 }, connectCommand: '' }), close: async () => undefined, list: async () => [] }),
  secrets: (): SecretStore => ({ put: async () => undefined, get: async () => undefined, delete: async () => undefined }),
  docs: async (): Promise<DocSink> => ({ write: async () => 'written', read: async () => undefined, list: async () => [] }),
};
const ALL: Array<keyof Drivers> = ['inventory', 'bastion', 'secrets', 'docs'];

describe('driver selection', () => {
  it('defaults to the local drivers, calling only the factories asked for', async () => {
    const config = driversConfig.parse({});
    const calls: string[] = [];
    const drivers = await selectDrivers(config, ['inventory', 'secrets'], {
      inventory: () => (calls.push('inventory'), fakeLocal.inventory()),
      secrets: () => (calls.push('secrets'), fakeLocal.secrets()),
      bastion: () => {
        throw new Error('not needed');
      },
    });
    expect(calls).toEqual(['inventory', 'secrets']);
    expect(drivers.choices).toEqual({ inventory: 'local', secrets: 'local' });
    expect(drivers).not.toHaveProperty('bastion');
  });

  it('DRIVERS=aws selects every AWS implementation', async () => {
    const config = driversConfig.parse(awsEnv);
    const drivers = await selectDrivers(config, ALL, {});
    expect(drivers.inventory).toBeInstanceOf(RdsInventory);
    expect(drivers.bastion).toBeInstanceOf(Ec2SsmBastion);
    expect(drivers.secrets).toBeInstanceOf(SecretsManagerStore);
    expect(drivers.docs).toBeInstanceOf(S3DocSink);
    expect(drivers.choices).toEqual({ inventory: 'aws', bastion: 'aws', secrets: 'aws', docs: 'aws' });
    expect((drivers.bastion as Ec2SsmBastion).connectCommand('i-0123456789abcdef0')).toContain('--region eu-west-1');
  });

  it('per-part overrides win over DRIVERS', async () => {
    const config = driversConfig.parse({ ...awsEnv, DRIVER_BASTION: 'local', DRIVER_DOCS: 'local' });
    expect(ALL.map((p) => driverChoice(config, p))).toEqual(['aws', 'local', 'aws', 'local']);
    const drivers = await selectDrivers(config, ALL, fakeLocal);
    expect(drivers.bastion).not.toBeInstanceOf(Ec2SsmBastion);
    expect(drivers.inventory).toBeInstanceOf(RdsInventory);
    const mixed = driversConfig.parse({ DRIVER_SECRETS: 'aws' });
    expect(ALL.map((p) => driverChoice(mixed, p))).toEqual(['local', 'local', 'aws', 'local']);
  });

  it('names every missing AWS setting at once, only for the parts a service uses', async () => {
    const config = driversConfig.parse({ DRIVERS: 'aws' });
    const error = await selectDrivers(config, ALL, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'BASTION_SUBNET_IDS: required when the bastion driver is aws (comma-separated subnet ids, one per AZ, tried in order (subnet-...))',
      'BASTION_SECURITY_GROUP_ID: required when the bastion driver is aws (the base bastion security group (sg-...): no inbound rules, egress to SSM only)',
      'BASTION_VPC_ID: required when the bastion driver is aws (VPC of the bastion subnets (vpc-...), where per-bastion security groups are created)',
      'BASTION_INSTANCE_PROFILE: required when the bastion driver is aws (name or ARN of the bastion instance profile (SSM core only))',
      'DOCS_BUCKET: required when the docs driver is aws (the docs S3 bucket name)',
    ]);
    // A service needing only the inventory and secrets starts with no further settings.
    await expect(selectDrivers(config, ['inventory', 'secrets'], {})).resolves.toBeDefined();
  });

  it('reports a missing local factory', async () => {
    await expect(selectDrivers(driversConfig.parse({}), ['docs'], {})).rejects.toThrow('DRIVER_DOCS: no local docs driver is available in this service; use aws');
  });

  it('refuses bad values with the expected form, through a service schema at start-up', () => {
    const schema = z.object({ ...driversEnv }).superRefine(checkDrivers(['bastion']));
    let error: unknown;
    try {
      parseConfig(schema, { DRIVERS: 'cloud', BASTION_SECURITY_GROUP_ID: 'default' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('DRIVERS:');
    expect((error as ConfigError).message).toContain('(expected: local (embedded stand-ins) or aws; required in production, local otherwise)');
    expect((error as ConfigError).message).toContain('BASTION_SECURITY_GROUP_ID:');

    let refined: unknown;
    try {
      parseConfig(schema, { DRIVERS: 'aws', BASTION_SECURITY_GROUP_ID: 'sg-0123456789abcdef0', BASTION_VPC_ID: 'vpc-0123456789abcdef0', BASTION_INSTANCE_PROFILE: 'p' });
    } catch (err) {
      refined = err;
    }
    expect((refined as ConfigError).problems).toEqual([
      'BASTION_SUBNET_IDS: missing (expected: comma-separated subnet ids, one per AZ, tried in order (subnet-...))',
    ]);
    expect(parseConfig(schema, { ...awsEnv }).BASTION_SUBNET_IDS).toEqual(['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb']);
  });

  it('refuses to start in production without an explicit DRIVERS, instead of running the local stand-ins', async () => {
    const schema = z.object({ ...driversEnv }).superRefine(checkDrivers([]));
    // parseConfig words a missing variable its own way; selectDrivers says why.
    const missing = ['DRIVERS: missing (expected: local (embedded stand-ins) or aws; required in production, local otherwise)'];
    const why = 'DRIVERS: must be set in production (NODE_ENV=production or on ECS): aws, or local to run the embedded stand-ins on purpose';
    for (const env of [{ NODE_ENV: 'production' }, { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/abc' }]) {
      let error: unknown;
      try {
        parseConfig(schema, env);
      } catch (err) {
        error = err;
      }
      expect((error as ConfigError).problems).toEqual(missing);
      await expect(selectDrivers(driversConfig.parse(env), ['docs'], { docs: fakeLocal.docs })).rejects.toThrow(why);
    }
    // Explicit choices start; outside production the default stays local.
    expect(parseConfig(schema, { NODE_ENV: 'production', DRIVERS: 'local' }).DRIVERS).toBe('local');
    expect(driverChoice(parseConfig(schema, { NODE_ENV: 'production', ...awsEnv }), 'docs')).toBe('aws');
    expect(driverChoice(parseConfig(schema, {}), 'docs')).toBe('local');
  });
});

describe('evidence drivers', () => {
  it('DRIVERS=aws reads the audit log from CloudWatch Logs and seals evidence into the Object Lock bucket', async () => {
    const config = driversConfig.parse({ ...awsEnv, EVIDENCE_BUCKET: 'dbre-evidence-123456789012', EVIDENCE_PREFIX: 'stg/' });
    const drivers = await selectDrivers(config, ['audit', 'evidence'], {});
    expect(drivers.audit).toBeInstanceOf(CloudWatchAuditSource);
    expect(drivers.evidence).toBeInstanceOf(S3EvidenceStore);
    expect(drivers.choices).toEqual({ audit: 'aws', evidence: 'aws' });
  });

  it('names a missing evidence bucket, refuses a bad prefix, and lets DRIVER_EVIDENCE keep the folder', async () => {
    const error = await selectDrivers(driversConfig.parse({ DRIVERS: 'aws' }), ['audit', 'evidence'], {}).catch((e: unknown) => e);
    expect((error as ConfigError).problems).toEqual(['EVIDENCE_BUCKET: required when the evidence driver is aws (the evidence S3 bucket (Object Lock, compliance mode))']);
    expect(driversConfig.safeParse({ EVIDENCE_PREFIX: 'no-slash' }).success).toBe(false);
    for (const bad of ['../', 'a//', './']) expect([bad, driversConfig.safeParse({ EVIDENCE_PREFIX: bad }).success]).toEqual([bad, false]);
    expect(driversConfig.parse({ EVIDENCE_PREFIX: 'stg/2026/' }).EVIDENCE_PREFIX).toBe('stg/2026/');
    const mixed = driversConfig.parse({ DRIVERS: 'aws', DRIVER_EVIDENCE: 'local' });
    expect(driverChoice(mixed, 'evidence')).toBe('local');
    expect(driverChoice(mixed, 'audit')).toBe('aws');
  });
});
