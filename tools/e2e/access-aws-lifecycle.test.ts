/**
 * The whole access lifecycle with DRIVERS=aws: request-api, approval-api, provisioner and reaper
 * built as in the other e2e tests, but each service's inventory, bastion and secret store chosen by
 * `selectDrivers` from a DRIVERS=aws configuration. Only AWS is simulated (aws-sdk-client-mock:
 * stateful EC2/SSM and Secrets Manager fakes, hand-written RDS answers); Redis, dynalite and the
 * MariaDB where the user is created are real.
 */
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { DescribeSessionsCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import mysql from 'mysql2/promise';
import { driversConfig, selectDrivers } from '@dbre/drivers';
import { testServices, waitFor } from '@dbre/testing';
import { installEc2SsmFake, installSecretsManagerFake } from '../../libs/drivers/test/contract/aws-fakes';
import { ALICE, BOB, startAccessStack, type AccessStack } from './access-stack';

const REGION = 'eu-west-1';
const VPC = 'vpc-0ccccccccccccccc1';
const CLUSTER_SG = 'sg-0ddddddddddddddd1';
const MASTER_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-devdb-AbCdEf';
const AWS_ENV = {
  DRIVERS: 'aws',
  AWS_REGION: REGION,
  PLATFORM_TAG: 'dbre-platform',
  BASTION_SUBNET_IDS: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2',
  BASTION_SECURITY_GROUP_ID: 'sg-0bbbbbbbbbbbbbbb1',
  BASTION_VPC_ID: VPC,
  BASTION_INSTANCE_PROFILE: 'dbre-bastion',
  RDS_REGIONS: REGION,
  // One listing per service for the whole test: the expected RDS calls are then exact.
  RDS_INVENTORY_CACHE_MS: '600000',
};

/** Every command sent to a mocked client, in the order sent (sinon's call ids are global). */
type Sent = { id: number; service: string; command: string; input: Record<string, unknown> };
function sentBy(service: string, mock: { calls(): Array<{ args: unknown[] }> }): Sent[] {
  return mock.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: Record<string, unknown> };
    return { id: (call as unknown as { callId: number }).callId, service, command: command.constructor.name.replace(/Command$/, ''), input: command.input };
  });
}

describe('just-in-time access on AWS (DRIVERS=aws, AWS mocked), end to end', () => {
  let stack: AccessStack;
  const ec2ssm = installEc2SsmFake();
  const sm = installSecretsManagerFake();
  const rds = mockClient(RDSClient);
  const all = (): Sent[] => [...sentBy('ec2', ec2ssm.ec2), ...sentBy('ssm', ec2ssm.ssm), ...sentBy('secrets', sm.sm), ...sentBy('rds', rds)].sort((a, b) => a.id - b.id);
  const names = (service: string) => all().filter((c) => c.service === service).map((c) => c.command);

  beforeAll(async () => {
    // One Aurora-like cluster: the local MariaDB, tagged for the fleet, in the bastions' VPC.
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'devdb-cluster',
          Engine: 'mariadb',
          Endpoint: testServices.mysql.host,
          Port: testServices.mysql.port,
          MasterUsername: testServices.mysql.user,
          MasterUserSecret: { SecretArn: MASTER_SECRET, SecretStatus: 'active' },
          VpcSecurityGroups: [{ VpcSecurityGroupId: CLUSTER_SG, Status: 'active' }],
          AvailabilityZones: ['eu-west-1a', 'eu-west-1b'],
          TagList: [
            { Key: 'dbre:fleet', Value: 'true' },
            { Key: 'dbre:cluster-id', Value: 'devdb' },
            { Key: 'dbre:environment', Value: 'dev' },
          ],
        },
      ],
    });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBClusterIdentifier: 'devdb-cluster', DBSubnetGroup: { VpcId: VPC } }] });
    sm.secrets.set(MASTER_SECRET, { value: JSON.stringify({ username: testServices.mysql.user, password: testServices.mysql.password }), tags: [] });
    // The engineer has the tunnel open when the grant ends: the reaper must end that session.
    ec2ssm.ssm.on(DescribeSessionsCommand).resolves({ Sessions: [{ SessionId: 'alice@example.com-0a1b2c3d4e5f6a7b8', Target: 'i-x', Status: 'Connected' }] });
    ec2ssm.ssm.on(TerminateSessionCommand).resolves({ SessionId: 'alice@example.com-0a1b2c3d4e5f6a7b8' });

    const config = driversConfig.parse(AWS_ENV);
    stack = await startAccessStack({
      minuteMs: 2000,
      warnBeforeMinutes: 1,
      sweepEveryMs: 600_000,
      driversFor: async (service) => {
        // Each service selects its own parts, with no local factory: every part must be AWS.
        const parts = service === 'request-api' ? (['inventory'] as const) : (['inventory', 'bastion', 'secrets'] as const);
        const drivers = await selectDrivers(config, parts, {});
        expect(Object.values(drivers.choices)).toEqual(parts.map(() => 'aws'));
        return drivers;
      },
    });
    // The reaper's first sweep (at start) lists the fleet and the bastions: let it finish, then count from zero.
    await waitFor(async () => (await stack.queues.sweep.getCompletedCount()) + (await stack.queues.sweep.getFailedCount()) >= 1, { timeoutMs: 20_000, what: 'the first sweep' });
    ec2ssm.ec2.resetHistory();
    ec2ssm.ssm.resetHistory();
    sm.sm.resetHistory();
    rds.resetHistory();
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    ec2ssm.restore();
    sm.restore();
    rds.restore();
  });

  it('request -> approve -> bastion -> user -> credentials with the SSM step -> extension -> revoke, with the exact AWS commands', async () => {
    const created = await stack.ask(ALICE, { durationMinutes: 2 });
    await stack.approve(created.id, BOB);
    const active = await stack.waitState(created.id, 'active');
    const instanceId = active.resources.bastionId!;
    expect(instanceId).toMatch(/^i-0[0-9a-f]{16}$/);
    expect(active.resources.connect).toEqual({ host: '127.0.0.1', port: 13306 });

    // Credentials: the outbox text has the tunnel step with the platform's document, then the mysql line.
    const inbox = await stack.call(stack.requestApi, 'GET', '/v1/outbox', ALICE);
    const creds = (inbox.body['items'] as Array<{ id: string; kind: string; text: string }>).find((m) => m.kind === 'credentials')!;
    const opened = await stack.call(stack.requestApi, 'POST', `/v1/outbox/${creds.id}/open`, ALICE);
    expect(opened.status).toBe(200);
    const text = String(opened.body['text']);
    const password = /^Password: (\S+)$/m.exec(text)?.[1] ?? '';
    expect(password).toHaveLength(sm.secrets.get(`dbre/access/${created.id}`)!.value.length);
    expect(text).toBe(
      [
        `Access to devdb/${stack.databases.granted} is ready for 2 min.`,
        '',
        '1. Open the tunnel (AWS CLI + Session Manager plugin; leave it running):',
        `aws ssm start-session --region eu-west-1 --target ${instanceId} --document-name dbre-PortForwardToGrantedCluster --parameters '{"localPortNumber":["13306"]}'`,
        '',
        '2. In another terminal, connect (the client asks for the password):',
        `mysql -h 127.0.0.1 -P 13306 -u ${active.resources.dbUser} -p ${stack.databases.granted}`,
        '',
        `Password: ${password}`,
      ].join('\n'),
    );
    // The user exists on the cluster with that password (the tunnel itself is AWS's part).
    const direct = await mysql.createConnection({ host: testServices.mysql.host, port: testServices.mysql.port, user: active.resources.dbUser!, password, database: stack.databases.granted });
    await direct.end();

    // Extension: approved, the reaper moves the bastion's own deadline (its dbre:ends-at tag).
    expect((await stack.call(stack.requestApi, 'POST', `/v1/access-requests/${created.id}/extend`, ALICE, { minutes: 1, reason: 'need a bit more' })).status).toBe(202);
    const extended = await stack.approve(created.id, BOB);
    expect(extended.status).toBe(200);
    const newEnd = String(extended.body['endsAt']);

    const revoked = await stack.waitState(created.id, 'revoked', 30_000);
    expect(revoked.revokeReason).toBe('expired');
    await waitFor(async () => names('ec2').includes('DeleteSecurityGroup'), { what: 'the bastion group deleted' });

    // Each service's commands, in order (parallel steps of different services interleave freely).
    expect(names('rds')).toEqual(['DescribeDBClusters', 'DescribeDBInstances', 'DescribeDBClusters', 'DescribeDBInstances']); // request-api, provisioner
    expect(names('ec2')).toEqual([
      'DescribeInstances', // open: none yet for this request
      'DescribeSecurityGroups', // its own group: none yet
      'CreateSecurityGroup',
      'RevokeSecurityGroupEgress', // the default allow-all egress
      'AuthorizeSecurityGroupEgress', // only the cluster, on its port
      'RunInstances',
      'CreateTags', // extension: dbre:ends-at moved
      'DescribeInstances', // close: is it ours?
      'TerminateInstances',
      'DescribeSecurityGroups',
      'DeleteSecurityGroup',
    ]);
    expect(names('ssm')).toEqual(['GetParameter', 'DescribeInstanceInformation', 'DescribeSessions', 'TerminateSession']);
    expect(names('secrets')).toEqual(['GetSecretValue', 'GetSecretValue', 'GetSecretValue', 'CreateSecret', 'DeleteSecret']);

    // Across services: the instance launched after its group was pinned, the session ended before the instance.
    const order = all().map((c) => `${c.service}:${c.command}`);
    const at = (name: string, from = 0) => order.indexOf(name, from);
    expect(at('ssm:GetParameter')).toBeLessThan(at('ec2:RunInstances'));
    expect(at('ec2:RunInstances')).toBeLessThan(at('ssm:DescribeInstanceInformation'));
    expect(at('ssm:DescribeInstanceInformation')).toBeLessThan(at('ec2:CreateTags'));
    expect(at('ec2:CreateTags')).toBeLessThan(at('ssm:TerminateSession'));
    expect(at('ssm:TerminateSession')).toBeLessThan(at('ec2:TerminateInstances'));

    // The inputs that matter, written out.
    const input = (service: string, command: string, nth = 0) => all().filter((c) => c.service === service && c.command === command)[nth]!.input;
    expect(input('ec2', 'AuthorizeSecurityGroupEgress')).toEqual({
      GroupId: expect.stringMatching(/^sg-0/),
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: testServices.mysql.port, ToPort: testServices.mysql.port, UserIdGroupPairs: [{ GroupId: CLUSTER_SG, Description: 'cluster devdb' }] }],
    });
    expect(input('ec2', 'CreateSecurityGroup')).toMatchObject({ GroupName: `dbre-bastion-${created.id}`, VpcId: VPC });
    const run = input('ec2', 'RunInstances');
    expect(run).toMatchObject({
      ClientToken: created.id,
      ImageId: 'ami-0abc1234def567890',
      InstanceType: 't3.micro',
      SubnetId: 'subnet-0aaaaaaaaaaaaaaa1',
      IamInstanceProfile: { Name: 'dbre-bastion' },
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' },
      InstanceInitiatedShutdownBehavior: 'terminate',
    });
    expect(run['SecurityGroupIds']).toEqual(['sg-0bbbbbbbbbbbbbbb1', input('ec2', 'AuthorizeSecurityGroupEgress')['GroupId']]);
    const tags = Object.fromEntries(((run['TagSpecifications'] as Array<{ ResourceType: string; Tags: Array<{ Key: string; Value: string }> }>)[0]!.Tags).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({ 'managed-by': 'dbre-platform', 'dbre:request-id': created.id, 'dbre:requester': ALICE, 'dbre:cluster-id': 'devdb', 'dbre:target-host': testServices.mysql.host, 'dbre:target-port': String(testServices.mysql.port) });
    expect(input('ec2', 'CreateTags')).toEqual({ Resources: [instanceId], Tags: [{ Key: 'dbre:ends-at', Value: newEnd }] });
    expect(input('ssm', 'DescribeSessions')).toEqual({ State: 'Active', Filters: [{ key: 'Target', value: instanceId }] });
    expect(input('ssm', 'TerminateSession')).toEqual({ SessionId: 'alice@example.com-0a1b2c3d4e5f6a7b8' });
    expect(input('ec2', 'TerminateInstances')).toEqual({ InstanceIds: [instanceId] });
    expect(input('secrets', 'CreateSecret')).toMatchObject({ Name: `dbre/access/${created.id}`, SecretString: password });
    expect(input('secrets', 'DeleteSecret')).toEqual({ SecretId: `dbre/access/${created.id}`, ForceDeleteWithoutRecovery: true });

    // The password went to AWS only as the secret's value: no tag, user data, or other input carries it.
    const carrying = all().filter((c) => JSON.stringify(c.input).includes(password) || Buffer.from(String(c.input['UserData'] ?? ''), 'base64').toString().includes(password));
    expect(carrying.map((c) => `${c.service}:${c.command}`)).toEqual(['secrets:CreateSecret']);
    expect(stack.logText()).not.toContain(password);
    expect(JSON.stringify(await stack.audit.list(created.id))).not.toContain(password);

    // Everything released: no user, the instance terminated, its group and the secret gone.
    expect(await stack.platformUsers()).toEqual([]);
    await expect(mysql.createConnection({ host: testServices.mysql.host, port: testServices.mysql.port, user: active.resources.dbUser!, password })).rejects.toMatchObject({ code: expect.stringMatching(/ACCESS_DENIED/) });
    expect(ec2ssm.instances.get(instanceId)?.State?.Name).toBe('terminated');
    expect([...ec2ssm.groups.values()].filter((g) => g.GroupName === `dbre-bastion-${created.id}`)).toEqual([]);
    expect(sm.secrets.get(`dbre/access/${created.id}`)?.deleted).toBe(true);
    expect((await stack.audit.list(created.id)).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['bastion_created', 'secret_stored', 'user_created', 'credentials_delivered', 'activated', 'extended', 'sessions_killed', 'user_dropped', 'bastion_removed', 'secret_deleted', 'revoked']),
    );
  }, 60_000);
});
