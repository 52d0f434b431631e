import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { InventoryRegionError, RdsInventory, type RdsInventoryOptions } from '../../src/aws';
import { fakeClock } from './fake-clock';

const rds = mockClient(RDSClient);
const sm = mockClient(SecretsManagerClient);

const fleet = [{ Key: 'dbre:fleet', Value: 'true' }];
const cluster = (id: string, extra: Record<string, unknown> = {}, tags: Array<{ Key: string; Value: string }> = []) => ({
  DBClusterIdentifier: id,
  Engine: 'aurora-mysql',
  Endpoint: `${id}.cluster-abc.eu-west-1.rds.amazonaws.com`,
  Port: 3306,
  MasterUsername: 'admin',
  MasterUserSecret: { SecretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-${id}` },
  TagList: [...fleet, { Key: 'dbre:environment', Value: 'prod' }, ...tags],
  ...extra,
});

const options: RdsInventoryOptions = { regions: ['eu-west-1'], tagKey: 'dbre:fleet', tagValue: 'true', credentials: 'resolve', cacheTtlMs: 60_000 };
const clients = () => ({ rds: new RDSClient({ region: 'eu-west-1' }), secrets: new SecretsManagerClient({ region: 'eu-west-1' }) });

beforeEach(() => {
  rds.reset();
  sm.reset();
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
  sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({
    SecretString: JSON.stringify({ username: 'admin', password: `pw-of-${input.SecretId.split(':').pop()}` }),
  }));
});

describe('RdsInventory', () => {
  it('pages through DescribeDBClusters, keeps tagged clusters and reads their master secrets', async () => {
    rds
      .on(DescribeDBClustersCommand)
      .resolvesOnce({
        DBClusters: [
          cluster('orders', { VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0orders000000002' }, { VpcSecurityGroupId: 'sg-0orders000000001' }], AvailabilityZones: ['eu-west-1b', 'eu-west-1a'], EnabledCloudwatchLogsExports: ['slowquery', 'audit'] }),
          cluster('untagged', { TagList: [] }),
        ],
        Marker: 'm2',
      })
      .resolvesOnce({ DBClusters: [cluster('billing', {}, [{ Key: 'dbre:description', Value: 'Billing' }])] });
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        { DBClusterIdentifier: 'orders', Endpoint: { Address: 'orders-2.abc.eu-west-1.rds.amazonaws.com', Port: 3306 }, DBSubnetGroup: { VpcId: 'vpc-0orders00000000001' } },
        { DBClusterIdentifier: 'orders', Endpoint: { Address: 'orders-1.abc.eu-west-1.rds.amazonaws.com', Port: 3306 } },
        { DBClusterIdentifier: 'other', Endpoint: { Address: 'other-1', Port: 3306 } },
      ],
    });
    const list = await new RdsInventory(clients, options).list();
    expect(rds).toHaveReceivedNthSpecificCommandWith(1, DescribeDBClustersCommand, { Marker: undefined, MaxRecords: 100 });
    expect(rds).toHaveReceivedNthSpecificCommandWith(2, DescribeDBClustersCommand, { Marker: 'm2', MaxRecords: 100 });
    expect(sm).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-orders' });
    expect(list).toEqual([
      {
        id: 'billing',
        environment: 'prod',
        engine: 'aurora-mysql',
        description: 'Billing',
        endpoint: { host: 'billing.cluster-abc.eu-west-1.rds.amazonaws.com', port: 3306 },
        instances: [],
        admin: { user: 'admin', password: 'pw-of-rds!cluster-billing' },
        logExports: [],
        placement: { region: 'eu-west-1', securityGroupIds: [], availabilityZones: [] },
      },
      {
        id: 'orders',
        environment: 'prod',
        engine: 'aurora-mysql',
        endpoint: { host: 'orders.cluster-abc.eu-west-1.rds.amazonaws.com', port: 3306 },
        instances: [
          { host: 'orders-1.abc.eu-west-1.rds.amazonaws.com', port: 3306 },
          { host: 'orders-2.abc.eu-west-1.rds.amazonaws.com', port: 3306 },
        ],
        admin: { user: 'admin', password: 'pw-of-rds!cluster-orders' },
        logExports: ['audit', 'slowquery'],
        placement: {
          region: 'eu-west-1',
          vpcId: 'vpc-0orders00000000001',
          securityGroupIds: ['sg-0orders000000001', 'sg-0orders000000002'],
          availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        },
      },
    ]);
  });

  it('prefers a configured admin secret and reads a reader secret, per cluster tag', async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        cluster('orders', { MasterUserSecret: undefined }, [
          { Key: 'dbre:admin-secret', Value: 'dbre/admin/orders' },
          { Key: 'dbre:reader-secret', Value: 'dbre/reader/orders' },
          { Key: 'dbre:cluster-id', Value: 'orders-prod' },
        ]),
      ],
    });
    const [target] = await new RdsInventory(clients, options).list();
    expect(target).toMatchObject({ id: 'orders-prod', admin: { password: 'pw-of-dbre/admin/orders' }, reader: { user: 'admin', password: 'pw-of-dbre/reader/orders' } });
  });

  it('lists in every configured region with that region\'s clients', async () => {
    rds.on(DescribeDBClustersCommand).callsFake(async () => ({ DBClusters: [] }));
    const regions: string[] = [];
    const inventory = new RdsInventory(
      (region) => {
        regions.push(region);
        return { rds: new RDSClient({ region }), secrets: new SecretsManagerClient({ region }) };
      },
      { ...options, regions: ['eu-west-1', 'us-east-1'] },
    );
    await inventory.list();
    expect(regions.sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 2);
  });

  it('skips clusters it cannot use, saying why, without failing the whole list', async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        cluster('ok'),
        cluster('noenv', { TagList: fleet }),
        cluster('postgres', { Engine: 'aurora-postgresql' }),
        cluster('nosecret', { MasterUserSecret: undefined }),
        cluster('badsecret', { MasterUserSecret: { SecretArn: 'bad' } }),
        cluster('Bad_Name'),
      ],
    });
    sm.on(GetSecretValueCommand, { SecretId: 'bad' }).resolves({ SecretString: 'not json' });
    const skipped: string[] = [];
    const list = await new RdsInventory(clients, { ...options, onSkip: (id, why) => skipped.push(`${id}: ${why}`) }).list();
    expect(list.map((c) => c.id)).toEqual(['ok']);
    expect(skipped.sort()).toEqual([
      'Bad_Name: cluster id "Bad_Name" is not lower-case letters, digits and dashes',
      'badsecret: cannot read credentials: secret bad is not JSON',
      'noenv: tag dbre:environment must be dev, stg or prod (found undefined)',
      'nosecret: no admin credentials: no RDS-managed master secret and no dbre:admin-secret tag',
      'postgres: engine aurora-postgresql is not MySQL-compatible',
    ]);
  });

  it('skips a cluster whose secret is missing, but fails the listing on a transient error', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster('ok'), cluster('gone')] });
    sm.on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-gone' }).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' }),
    );
    const skipped: string[] = [];
    const list = await new RdsInventory(clients, { ...options, onSkip: (id, why) => skipped.push(`${id}: ${why}`) }).list();
    expect(list.map((c) => c.id)).toEqual(['ok']);
    expect(skipped).toEqual(["gone: cannot read credentials: Secrets Manager can't find the specified secret."]);

    sm.on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-gone' }).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    // One region, and it failed: nothing to serve.
    const error = await new RdsInventory(clients, options).list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InventoryRegionError);
    expect((error as InventoryRegionError).message).toBe('no region answered (eu-west-1)');
    expect(((error as Error).cause as Error).message).toBe('Rate exceeded');
  });

  it('keeps serving the regions that answer when one fails, and says which failed', async () => {
    const regionOf = new Map<RDSClient, string>();
    const inventory = new RdsInventory(
      (region) => {
        const client = new RDSClient({ region });
        regionOf.set(client, region);
        return { rds: client, secrets: new SecretsManagerClient({ region }) };
      },
      { ...options, regions: ['eu-west-1', 'us-east-1'], onRegionError: (region, err) => failures.push(`${region}: ${(err as Error).message}`) },
    );
    const failures: string[] = [];
    rds.on(DescribeDBClustersCommand).callsFake(async (_input: unknown, getClient: () => RDSClient) => {
      const region = await getClient().config.region();
      if (region === 'us-east-1') throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' });
      return { DBClusters: [cluster('orders')] };
    });
    await expect(inventory.list()).resolves.toEqual([expect.objectContaining({ id: 'orders', placement: expect.objectContaining({ region: 'eu-west-1' }) })]);
    expect(failures).toEqual(['us-east-1: Service unavailable']);
    expect(inventory.failedRegions()).toEqual(['us-east-1']);
    // A cluster that may live in the silent region is not "unknown": the caller must retry.
    await expect(inventory.get('billing')).rejects.toThrow('cluster billing is not listed and region(s) us-east-1 did not answer');
    await expect(inventory.get('orders')).resolves.toMatchObject({ id: 'orders' });
  });

  it('with the RDS CA bundle configured, every cluster is reached over verified TLS', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster('orders')] });
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n';
    const [target] = await new RdsInventory(clients, { ...options, tlsCa: pem }).list();
    expect(target?.tls).toEqual({ ca: pem });
    const [plain] = await new RdsInventory(clients, options).list();
    expect(plain).not.toHaveProperty('tls');
  });

  it('omits credentials when told to, reading no secret at all', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster('orders')] });
    const [target] = await new RdsInventory(clients, { ...options, credentials: 'omit' }).list();
    expect(target?.admin).toEqual({ user: 'admin', password: '' });
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('reuses a list for the cache period and finds clusters by id', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster('orders')] });
    const clock = fakeClock(0);
    const inventory = new RdsInventory(clients, options, clock);
    await expect(inventory.get('orders')).resolves.toMatchObject({ id: 'orders' });
    await expect(inventory.get('nope')).resolves.toBeUndefined();
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 1);
    await clock.sleep(60_000);
    await inventory.list();
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 2);
  });
});
