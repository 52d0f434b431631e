import {
  AuthorizeSecurityGroupEgressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type DescribeInstancesCommandInput,
  type Instance,
} from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, DescribeSessionsCommand, GetParameterCommand, SSMClient, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { startTestDynamo } from '@dbre/testing';
import { createDynamo, type Dynamo } from '@dbre/store';
import { BASTION_DEFAULTS, Ec2SsmBastion, PooledBastion, type BastionPoolSettings, type Ec2SsmBastionOptions, type PoolItem } from '../../src/aws';
import { createAwsDriver } from '../../src/aws/create-driver';
import { driversConfig, poolSizes } from '../../src/select';
import { fakeClock } from './fake-clock';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);

const A = 'subnet-0aaaaaaaaaaaaaaaa';
const B = 'subnet-0bbbbbbbbbbbbbbbb';
const POOL_A = `vpc-0123456789abcdef0/${A}`;
const LATEST = 'ami-0abc1234def567890';
const OLDER = 'ami-0000000000000old1';

const options: Ec2SsmBastionOptions = {
  region: 'eu-west-1',
  subnetIds: [A, B],
  securityGroupId: 'sg-0123456789abcdef0',
  vpcId: 'vpc-0123456789abcdef0',
  databaseCidrs: ['10.20.0.0/16'],
  sessionDocument: 'dbre-PortForwardToGrantedCluster',
  instanceProfile: 'dbre-bastion',
  instanceType: 't3.micro',
  amiParameter: BASTION_DEFAULTS.amiParameter,
  managedBy: 'dbre-platform',
  graceMinutes: 15,
  localPort: 13306,
  online: { initialDelayMs: 1_000, maxDelayMs: 1_000, timeoutMs: 60_000 },
};
const settings: BastionPoolSettings = { sizes: new Map([[A, 2]]), maxAgeMs: 86_400_000, warmupMs: 30 * 60_000, refillWaitMs: 10 * 60_000 };

const start = Date.parse('2026-11-25T09:00:00Z');
const input = {
  requestId: '01JDBREREQUEST0000000000AB',
  requester: 'ana.silva@example.com',
  clusterId: 'orders-prod',
  target: { host: 'orders-prod.cluster-abc.eu-west-1.rds.amazonaws.com', port: 3306 },
  endsAt: new Date(start + 3_600_000),
};

let db: { dynamo: Dynamo; endpoint: string; close: () => Promise<void> };
beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => db.close());

const table = () => `${db.dynamo.tablePrefix}bastion-pool`;
const iso = (ms: number) => new Date(ms).toISOString();

async function seed(item: Partial<PoolItem> & { instanceId: string }): Promise<void> {
  const status = item.status ?? 'available';
  await db.dynamo.doc.send(
    new PutCommand({
      TableName: table(),
      Item: {
        pool: POOL_A,
        subnetId: A,
        imageId: LATEST,
        status,
        launchedAt: iso(start - 3_600_000),
        ...(status === 'available' ? { availableIn: POOL_A, readyAt: iso(start - 3_000_000) } : {}),
        ...item,
      },
    }),
  );
}

async function itemOf(instanceId: string): Promise<PoolItem | undefined> {
  return (await db.dynamo.doc.send(new GetCommand({ TableName: table(), Key: { instanceId }, ConsistentRead: true }))).Item as PoolItem | undefined;
}

async function clearTable(): Promise<void> {
  const out = await db.dynamo.doc.send(new ScanCommand({ TableName: table() }));
  for (const item of out.Items ?? []) await db.dynamo.doc.send(new DeleteCommand({ TableName: table(), Key: { instanceId: item['instanceId'] } }));
}

function makePool(clock = fakeClock(start), dynamo: Dynamo = db.dynamo, poolSettings: BastionPoolSettings = settings): { pool: PooledBastion; clock: ReturnType<typeof fakeClock> } {
  const cold = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, clock);
  return { pool: new PooledBastion(new EC2Client({}), new SSMClient({}), dynamo, cold, options, poolSettings, clock), clock };
}

const ec2Sent = () => ec2.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const ssmSent = () => ssm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** DescribeInstances answered per call shape: by id, by pool tag, by request tag. */
function describeInstances(answer: { byId?: Record<string, Instance>; pool?: Instance[]; byRequest?: Instance[] }) {
  ec2.on(DescribeInstancesCommand).callsFake((i: DescribeInstancesCommandInput) => {
    if (i.InstanceIds) return { Reservations: [{ Instances: i.InstanceIds.flatMap((id) => (answer.byId?.[id] ? [answer.byId[id]] : [])) }] };
    if (i.Filters?.some((f) => f.Name === 'tag:dbre:pool')) return { Reservations: [{ Instances: answer.pool ?? [] }] };
    if (i.Filters?.some((f) => f.Name === 'tag:dbre:request-id')) return { Reservations: [{ Instances: answer.byRequest ?? [] }] };
    return { Reservations: [] };
  });
}

const managed = (id: string, state: string, extra: Partial<Instance> = {}): Instance => ({
  InstanceId: id,
  State: { Name: state as 'running' },
  Tags: [{ Key: 'managed-by', Value: 'dbre-platform' }, { Key: 'dbre:pool', Value: POOL_A }],
  ...extra,
});

beforeEach(async () => {
  ec2.reset();
  ssm.reset();
  await clearTable();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: LATEST } });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0ccccccccccccccc1' });
  ec2.on(RevokeSecurityGroupEgressCommand).resolves({});
  ec2.on(AuthorizeSecurityGroupEgressCommand).resolves({});
  ec2.on(ModifyInstanceAttributeCommand).resolves({});
  ec2.on(CreateTagsCommand).resolves({});
  ec2.on(StartInstancesCommand).resolves({});
  ec2.on(StopInstancesCommand).resolves({});
  ec2.on(TerminateInstancesCommand).resolves({});
  ssm.on(DescribeSessionsCommand).resolves({ Sessions: [] });
});

describe('PooledBastion.open (pool hit)', () => {
  it('claims a stopped instance, pins its egress, tags it for the request and starts it, ready on the first ping after the start', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1' });
    const { pool, clock } = makePool();
    let checks = 0;
    ssm.on(DescribeInstanceInformationCommand).callsFake(() => {
      checks += 1;
      // 1st: the Online of before the stop (stale); 2nd: nothing yet; 3rd: pinged after the start.
      if (checks === 1) return { InstanceInformationList: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa1', PingStatus: 'Online', LastPingDateTime: new Date(start - 3_000_000) }] };
      if (checks === 2) return { InstanceInformationList: [] };
      return { InstanceInformationList: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa1', PingStatus: 'Online', LastPingDateTime: new Date(start + 2_000) }] };
    });

    const handle = await pool.open(input);

    expect(ec2Sent()).toEqual([
      'StartInstances',
      'DescribeSecurityGroups',
      'CreateSecurityGroup',
      'RevokeSecurityGroupEgress',
      'AuthorizeSecurityGroupEgress',
      'ModifyInstanceAttribute',
      'CreateTags',
      'CreateTags',
    ]);
    expect(ssmSent()).toEqual(['DescribeInstanceInformation', 'DescribeInstanceInformation', 'DescribeInstanceInformation']);
    expect(clock.slept).toEqual([1_000, 1_000]);
    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupEgressCommand, {
      GroupId: 'sg-0ccccccccccccccc1',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, IpRanges: [{ CidrIp: '10.20.0.0/16', Description: 'cluster orders-prod' }] }],
    });
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand)[0]!.args[0].input).toEqual({ InstanceId: 'i-0aaaaaaaaaaaaaaa1', Groups: ['sg-0123456789abcdef0', 'sg-0ccccccccccccccc1'] });
    const [before, after] = ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input);
    expect(before).toEqual({
      Resources: ['i-0aaaaaaaaaaaaaaa1'],
      Tags: [
        { Key: 'Name', Value: 'dbre-bastion-01JDBREREQUEST0000000000AB' },
        { Key: 'dbre:requester', Value: 'ana.silva@example.com' },
        { Key: 'dbre:cluster-id', Value: 'orders-prod' },
        { Key: 'dbre:ends-at', Value: '2026-11-25T10:00:00.000Z' },
        { Key: 'dbre:target-host', Value: 'orders-prod.cluster-abc.eu-west-1.rds.amazonaws.com' },
        { Key: 'dbre:target-port', Value: '3306' },
      ],
    });
    expect(after).toEqual({ Resources: ['i-0aaaaaaaaaaaaaaa1'], Tags: [{ Key: 'dbre:request-id', Value: '01JDBREREQUEST0000000000AB' }] });
    expect(ec2).toHaveReceivedCommandWith(StartInstancesCommand, { InstanceIds: ['i-0aaaaaaaaaaaaaaa1'] });
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
    expect(handle).toEqual({
      bastionId: 'i-0aaaaaaaaaaaaaaa1',
      connect: { host: '127.0.0.1', port: 13306 },
      connectCommand:
        "aws ssm start-session --region eu-west-1 --target i-0aaaaaaaaaaaaaaa1 --document-name dbre-PortForwardToGrantedCluster --parameters '{\"localPortNumber\":[\"13306\"]}'",
    });
    expect(await itemOf('i-0aaaaaaaaaaaaaaa1')).toMatchObject({ status: 'in-use', requestId: input.requestId, claimedAt: '2026-11-25T09:00:00.000Z', startRequestedAt: '2026-11-25T09:00:00.000Z' });
    expect((await itemOf('i-0aaaaaaaaaaaaaaa1'))?.availableIn).toBeUndefined();
  });

  it('opening twice for the same request returns the same instance and claims nothing more', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1' });
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa2' });
    ssm.on(DescribeInstanceInformationCommand).callsFake(() => ({ InstanceInformationList: [{ InstanceId: ec2.commandCalls(StartInstancesCommand)[0]?.args[0].input.InstanceIds?.[0], PingStatus: 'Online', LastPingDateTime: new Date(start + 1) }] }));
    const { pool } = makePool();
    const first = await pool.open(input);
    ec2.resetHistory();
    const second = await pool.open(input);
    expect(second.bastionId).toBe(first.bastionId);
    expect(ec2Sent()).toEqual([]);
    const other = first.bastionId === 'i-0aaaaaaaaaaaaaaa1' ? 'i-0aaaaaaaaaaaaaaa2' : 'i-0aaaaaaaaaaaaaaa1';
    expect(await itemOf(other)).toMatchObject({ status: 'available' });
  });

  it('never gives one instance to two claimers (12 concurrent claims, 5 instances, two processes)', async () => {
    const ids = ['i-0aaaaaaaaaaaaaa01', 'i-0aaaaaaaaaaaaaa02', 'i-0aaaaaaaaaaaaaa03', 'i-0aaaaaaaaaaaaaa04', 'i-0aaaaaaaaaaaaaa05'];
    for (const instanceId of ids) await seed({ instanceId });
    const second = createDynamo({ endpoint: db.endpoint, region: 'us-east-1', tablePrefix: db.dynamo.tablePrefix });
    try {
      const one = makePool().pool;
      const two = makePool(fakeClock(start), second).pool;
      const requests = Array.from({ length: 12 }, (_, i) => `REQ${String(i).padStart(2, '0')}`);
      const claims = await Promise.all(requests.map((r, i) => (i % 2 ? two : one).claim(r)));
      const won = claims.filter((c) => c !== undefined).map((c) => c!.instanceId);
      expect(won.sort()).toEqual(ids);
      for (const id of ids) {
        const item = await itemOf(id);
        expect(item?.status).toBe('claimed');
        // The request the table names is the one whose claim returned this instance.
        expect(claims[requests.indexOf(item!.requestId!)]?.instanceId).toBe(id);
      }
    } finally {
      second.close();
    }
  });
});

describe('PooledBastion.open (fallback to the cold path)', () => {
  it('launches cold when the pool is empty', async () => {
    describeInstances({});
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0ddddddddddddddd1' }] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0ddddddddddddddd1', PingStatus: 'Online' }] });
    const handle = await makePool().pool.open(input);
    expect(handle.bastionId).toBe('i-0ddddddddddddddd1');
    expect(ec2Sent()).toEqual(['DescribeInstances', 'DescribeSecurityGroups', 'CreateSecurityGroup', 'RevokeSecurityGroupEgress', 'AuthorizeSecurityGroupEgress', 'RunInstances']);
    expect(ec2).toHaveReceivedCommandWith(RunInstancesCommand, { ClientToken: input.requestId, SubnetId: A });
  });

  it('terminates a claimed instance that does not start, launches cold, and a retried open stays on the cold bastion', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1' });
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa2', readyAt: iso(start - 3_500_000) });
    ec2.on(StartInstancesCommand).rejects(Object.assign(new Error('We currently do not have sufficient t3.micro capacity'), { name: 'InsufficientInstanceCapacity' }));
    describeInstances({ byId: { 'i-0aaaaaaaaaaaaaaa1': managed('i-0aaaaaaaaaaaaaaa1', 'stopped') } });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0ddddddddddddddd1' }] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0ddddddddddddddd1', PingStatus: 'Online' }] });
    const { pool } = makePool();

    const handle = await pool.open(input);

    expect(handle.bastionId).toBe('i-0ddddddddddddddd1');
    expect(ec2Sent()).toEqual([
      // claim + start of the newest-ready instance, refused
      'StartInstances',
      // the failed one: checked to be ours, terminated (its sessions first, on the SSM side)
      'DescribeInstances',
      'TerminateInstances',
      // cold: no instance of the request yet, its own group, launch
      'DescribeInstances',
      'DescribeSecurityGroups',
      'CreateSecurityGroup',
      'RevokeSecurityGroupEgress',
      'AuthorizeSecurityGroupEgress',
      'RunInstances',
    ]);
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0aaaaaaaaaaaaaaa1'] });
    expect(ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input.SecurityGroupIds).toEqual(['sg-0123456789abcdef0', 'sg-0ccccccccccccccc1']);
    expect(await itemOf('i-0aaaaaaaaaaaaaaa1')).toMatchObject({ status: 'failed', requestId: input.requestId });
    expect(await itemOf('i-0aaaaaaaaaaaaaaa2')).toMatchObject({ status: 'available' });

    // Retried (e.g. the job was re-run): the cold bastion of the request, the pool untouched.
    ec2.resetHistory();
    describeInstances({ byRequest: [{ InstanceId: 'i-0ddddddddddddddd1', State: { Name: 'running' } }] });
    expect((await pool.open(input)).bastionId).toBe('i-0ddddddddddddddd1');
    expect(ec2).not.toHaveReceivedCommand(StartInstancesCommand);
    expect(await itemOf('i-0aaaaaaaaaaaaaaa2')).toMatchObject({ status: 'available' });
  });

  it('terminates a claimed instance that never reports Online after its start', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1' });
    describeInstances({ byId: { 'i-0aaaaaaaaaaaaaaa1': managed('i-0aaaaaaaaaaaaaaa1', 'running') } });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0ddddddddddddddd1' }] });
    ssm.on(DescribeInstanceInformationCommand).callsFake((i: { Filters: Array<{ Values: string[] }> }) =>
      i.Filters[0]!.Values[0] === 'i-0ddddddddddddddd1' ? { InstanceInformationList: [{ InstanceId: 'i-0ddddddddddddddd1', PingStatus: 'Online' }] } : { InstanceInformationList: [] },
    );
    const { pool, clock } = makePool();
    const handle = await pool.open(input);
    expect(handle.bastionId).toBe('i-0ddddddddddddddd1');
    // Polled every second for the 60 s timeout, then terminated.
    expect(clock.slept.slice(0, 60)).toEqual(Array.from({ length: 60 }, () => 1_000));
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0aaaaaaaaaaaaaaa1'] });
    expect(await itemOf('i-0aaaaaaaaaaaaaaa1')).toMatchObject({ status: 'failed' });
  });
});

describe('PooledBastion.close and list', () => {
  it('ends the sessions, terminates the pool bastion and forgets it: it never returns to the pool', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1', status: 'in-use', requestId: input.requestId, claimedAt: iso(start) });
    describeInstances({ byId: { 'i-0aaaaaaaaaaaaaaa1': managed('i-0aaaaaaaaaaaaaaa1', 'running', { Tags: [{ Key: 'managed-by', Value: 'dbre-platform' }, { Key: 'dbre:request-id', Value: input.requestId }] }) } });
    ssm.on(DescribeSessionsCommand).resolves({ Sessions: [{ SessionId: 'ana-0a1b2c3d4e5f' }] });
    ssm.on(TerminateSessionCommand).resolves({});
    await makePool().pool.close('i-0aaaaaaaaaaaaaaa1');
    expect(ssmSent()).toEqual(['DescribeSessions', 'TerminateSession']);
    expect(ec2Sent()).toEqual(['DescribeInstances', 'TerminateInstances', 'DescribeSecurityGroups']);
    expect(await itemOf('i-0aaaaaaaaaaaaaaa1')).toBeUndefined();
    expect(ec2).not.toHaveReceivedCommand(StopInstancesCommand);
  });

  it('refuses to terminate an instance the platform did not tag, even when the table names it', async () => {
    await seed({ instanceId: 'i-0eeeeeeeeeeeeeee1', status: 'in-use', requestId: input.requestId, claimedAt: iso(start) });
    describeInstances({ byId: { 'i-0eeeeeeeeeeeeeee1': { InstanceId: 'i-0eeeeeeeeeeeeeee1', State: { Name: 'running' }, Tags: [{ Key: 'managed-by', Value: 'someone-else' }] } } });
    await expect(makePool().pool.close('i-0eeeeeeeeeeeeeee1')).rejects.toThrow('refusing to terminate i-0eeeeeeeeeeeeeee1: it is not tagged managed-by=dbre-platform');
    expect(ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
  });

  it('lists bastions of requests, including a claimed one not yet tagged, but never the idle pool', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1' });
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa2', status: 'claimed', requestId: 'REQ-CLAIMED', claimedAt: iso(start) });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            managed('i-0aaaaaaaaaaaaaaa1', 'stopped', { LaunchTime: new Date(start) }),
            managed('i-0aaaaaaaaaaaaaaa2', 'pending', { LaunchTime: new Date(start) }),
            { InstanceId: 'i-0ddddddddddddddd1', LaunchTime: new Date(start), Tags: [{ Key: 'managed-by', Value: 'dbre-platform' }, { Key: 'dbre:request-id', Value: 'REQ-COLD' }] },
          ],
        },
      ],
    });
    const listed = await makePool().pool.list();
    expect(listed).toEqual([
      { bastionId: 'i-0ddddddddddddddd1', requestId: 'REQ-COLD', createdAt: new Date(start) },
      { bastionId: 'i-0aaaaaaaaaaaaaaa2', requestId: 'REQ-CLAIMED', createdAt: new Date(start) },
    ]);
  });

  it('refuses a target that is not a host name before claiming anything', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1' });
    await expect(makePool().pool.open({ ...input, target: { host: 'db.example.com; rm -rf /', port: 3306 } })).rejects.toThrow('invalid target host "db.example.com; rm -rf /"');
    expect(await itemOf('i-0aaaaaaaaaaaaaaa1')).toMatchObject({ status: 'available' });
    expect(ec2Sent()).toEqual([]);
  });
});

describe('PooledBastion.refill', () => {
  it('launches up to the size, waits for SSM, stops, and marks each available; a second run does nothing', async () => {
    const state: Record<string, string> = {};
    let launched = 0;
    ec2.on(RunInstancesCommand).callsFake(() => {
      launched += 1;
      const id = `i-0f00000000000000${launched}`;
      state[id] = 'running';
      return { Instances: [{ InstanceId: id }] };
    });
    ec2.on(StopInstancesCommand).callsFake((i: { InstanceIds: string[] }) => {
      for (const id of i.InstanceIds) state[id] = 'stopped';
      return {};
    });
    ec2.on(DescribeInstancesCommand).callsFake((i: DescribeInstancesCommandInput) => {
      if (i.InstanceIds) return { Reservations: [{ Instances: i.InstanceIds.map((id) => ({ InstanceId: id, State: { Name: state[id] } })) }] };
      return { Reservations: [{ Instances: Object.keys(state).map((id) => managed(id, state[id]!, { ImageId: LATEST, LaunchTime: new Date(start) })) }] };
    });
    let pings = 0;
    ssm.on(DescribeInstanceInformationCommand).callsFake((i: { Filters: Array<{ Values: string[] }> }) => {
      pings += 1;
      return { InstanceInformationList: pings > 2 ? [{ InstanceId: i.Filters[0]!.Values[0], PingStatus: 'Online', LastPingDateTime: new Date(start) }] : [] };
    });
    const { pool, clock } = makePool();

    const [report] = await pool.refill();

    expect(report).toEqual({
      pool: POOL_A,
      launched: ['i-0f000000000000001', 'i-0f000000000000002'],
      adopted: [],
      stopped: ['i-0f000000000000001', 'i-0f000000000000002'],
      available: ['i-0f000000000000001', 'i-0f000000000000002'],
      recycled: [],
      terminatedStrays: [],
      forgotten: [],
      problems: [],
    });
    expect(ec2Sent()).toEqual([
      'DescribeInstances',
      'RunInstances',
      'RunInstances',
      // first pass: neither online yet; second: the first online -> standby tag, stop
      'CreateTags',
      'StopInstances',
      'CreateTags',
      'StopInstances',
      'DescribeInstances',
      'DescribeInstances',
    ]);
    expect(ssmSent()).toEqual(['GetParameter', 'DescribeInstanceInformation', 'DescribeInstanceInformation', 'DescribeInstanceInformation', 'DescribeInstanceInformation']);
    expect(clock.slept).toEqual([1_000, 1_000]);
    const run = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(run).toMatchObject({
      ImageId: LATEST,
      InstanceType: 't3.micro',
      SubnetId: A,
      SecurityGroupIds: ['sg-0123456789abcdef0'],
      IamInstanceProfile: { Name: 'dbre-bastion' },
      InstanceInitiatedShutdownBehavior: 'terminate',
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' },
    });
    expect(run.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags).toEqual([
      { Key: 'Name', Value: 'dbre-bastion-pool' },
      { Key: 'managed-by', Value: 'dbre-platform' },
      { Key: 'dbre:pool', Value: POOL_A },
      { Key: 'dbre:ends-at', Value: '2026-11-25T09:30:00.000Z' },
    ]);
    const userData = Buffer.from(run.UserData ?? '', 'base64').toString('utf8');
    expect(userData).toContain('exec /usr/lib/systemd/systemd-socket-proxyd "$HOST:$PORT"');
    expect(userData).toContain('systemctl enable --now dbre-failsafe.timer dbre-proxy.socket');
    expect(ec2.commandCalls(CreateTagsCommand)[0]!.args[0].input).toEqual({ Resources: ['i-0f000000000000001'], Tags: [{ Key: 'dbre:ends-at', Value: 'standby' }] });
    expect(await itemOf('i-0f000000000000001')).toMatchObject({ status: 'available', availableIn: POOL_A, imageId: LATEST, subnetId: A });

    ec2.resetHistory();
    const [again] = await pool.refill();
    expect(again?.launched).toEqual([]);
    expect(ec2Sent()).toEqual(['DescribeInstances']);
  });

  it('adopts a warming instance launched but never recorded (crash) and terminates a stale unrecorded one', async () => {
    describeInstances({
      pool: [
        managed('i-0aaaaaaaaaaaaaaa1', 'running', { ImageId: LATEST, LaunchTime: new Date(start - 120_000) }),
        managed('i-0aaaaaaaaaaaaaaa2', 'stopped', { ImageId: OLDER, LaunchTime: new Date(start - 7_200_000) }),
      ],
      byId: { 'i-0aaaaaaaaaaaaaaa1': managed('i-0aaaaaaaaaaaaaaa1', 'stopped') },
    });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa1', PingStatus: 'Online', LastPingDateTime: new Date(start) }] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0f000000000000009' }] });
    const { pool } = makePool(fakeClock(start), db.dynamo, { ...settings, sizes: new Map([[A, 1]]) });

    const [report] = await pool.refill();

    expect(report?.adopted).toEqual(['i-0aaaaaaaaaaaaaaa1']);
    expect(report?.terminatedStrays).toEqual(['i-0aaaaaaaaaaaaaaa2']);
    expect(report?.launched).toEqual([]);
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0aaaaaaaaaaaaaaa2'] });
    expect(ec2).toHaveReceivedCommandWith(StopInstancesCommand, { InstanceIds: ['i-0aaaaaaaaaaaaaaa1'] });
    expect(await itemOf('i-0aaaaaaaaaaaaaaa1')).toMatchObject({ status: 'available' });
  });

  it('recycles available instances older than a day or not on the newest AMI, and launches their replacements', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1', launchedAt: iso(start - 25 * 3_600_000) });
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa2', imageId: OLDER });
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa3' });
    const state: Record<string, string> = { 'i-0aaaaaaaaaaaaaaa1': 'stopped', 'i-0aaaaaaaaaaaaaaa2': 'stopped', 'i-0aaaaaaaaaaaaaaa3': 'stopped' };
    let launched = 0;
    ec2.on(RunInstancesCommand).callsFake(() => {
      launched += 1;
      const id = `i-0f00000000000000${launched}`;
      state[id] = 'running';
      return { Instances: [{ InstanceId: id }] };
    });
    ec2.on(StopInstancesCommand).callsFake((i: { InstanceIds: string[] }) => {
      for (const id of i.InstanceIds) state[id] = 'stopped';
      return {};
    });
    ec2.on(DescribeInstancesCommand).callsFake((i: DescribeInstancesCommandInput) => {
      if (i.InstanceIds) return { Reservations: [{ Instances: i.InstanceIds.map((id) => ({ InstanceId: id, State: { Name: state[id] } })) }] };
      return { Reservations: [{ Instances: Object.keys(state).map((id) => managed(id, state[id]!, { ImageId: LATEST })) }] };
    });
    ssm.on(DescribeInstanceInformationCommand).callsFake((i: { Filters: Array<{ Values: string[] }> }) => ({ InstanceInformationList: [{ InstanceId: i.Filters[0]!.Values[0], PingStatus: 'Online', LastPingDateTime: new Date(start) }] }));
    const { pool } = makePool(fakeClock(start), db.dynamo, { ...settings, sizes: new Map([[A, 3]]) });

    const [report] = await pool.refill();

    expect(report?.recycled.sort()).toEqual(['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2']);
    expect(report?.launched).toEqual(['i-0f000000000000001', 'i-0f000000000000002']);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds).sort()).toEqual([['i-0aaaaaaaaaaaaaaa1'], ['i-0aaaaaaaaaaaaaaa2']]);
    expect(await itemOf('i-0aaaaaaaaaaaaaaa1')).toBeUndefined();
    expect(await itemOf('i-0aaaaaaaaaaaaaaa2')).toBeUndefined();
    expect(await itemOf('i-0aaaaaaaaaaaaaaa3')).toMatchObject({ status: 'available' });
    // Recycling terminates before it launches: never more than the size plus what is being replaced.
    const order = ec2Sent().filter((n) => n === 'TerminateInstances' || n === 'RunInstances');
    expect(order).toEqual(['TerminateInstances', 'TerminateInstances', 'RunInstances', 'RunInstances']);
  });

  it('forgets records of instances that are gone and reports a launch refused for capacity', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1' });
    describeInstances({ pool: [] });
    ec2.on(RunInstancesCommand).rejects(Object.assign(new Error('We currently do not have sufficient t3.micro capacity'), { name: 'InsufficientInstanceCapacity' }));
    const [report] = await makePool().pool.refill();
    expect(report?.forgotten).toEqual(['i-0aaaaaaaaaaaaaaa1']);
    expect(report?.problems).toEqual([`launch in ${A}: InsufficientInstanceCapacity: We currently do not have sufficient t3.micro capacity`]);
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
    expect(await itemOf('i-0aaaaaaaaaaaaaaa1')).toBeUndefined();
  });
});

describe('PooledBastion.refill, concurrent and eventually consistent', () => {
  it('lets one refill of a pool run at a time: the other reports it and launches nothing', async () => {
    describeInstances({ pool: [] });
    let launched = 0;
    ec2.on(RunInstancesCommand).callsFake(() => ({ Instances: [{ InstanceId: `i-0f00000000000000${++launched}` }] }));
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    // Short wait: the launches never come online here.
    const quick = { ...settings, refillWaitMs: 3_000 };
    const [one, two] = await Promise.all([makePool(fakeClock(start), db.dynamo, quick).pool.refillPool(A), makePool(fakeClock(start), db.dynamo, quick).pool.refillPool(A)]);
    const reports = [one!, two!].sort((x, y) => y.launched.length - x.launched.length);
    expect(reports[0]!.launched).toHaveLength(2);
    expect(reports[1]).toMatchObject({ launched: [], problems: [`another refill of ${POOL_A} is running`] });
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 2);
    // Released at the end: the next run takes the lease again.
    const [next] = await makePool(fakeClock(start), db.dynamo, quick).pool.refill();
    expect(next?.problems).toEqual([]);
  });

  it('keeps the record of a launch too recent for DescribeInstances to list it', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1', status: 'launching', launchedAt: iso(start - 60_000) });
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa2', status: 'launching', launchedAt: iso(start - 600_000) });
    describeInstances({ pool: [] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0f000000000000001' }] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    const [report] = await makePool(fakeClock(start), db.dynamo, { ...settings, sizes: new Map([[A, 2]]), refillWaitMs: 0 }).pool.refill();
    expect(report?.forgotten).toEqual(['i-0aaaaaaaaaaaaaaa2']);
    expect(await itemOf('i-0aaaaaaaaaaaaaaa1')).toMatchObject({ status: 'launching' });
    expect(report?.launched).toEqual(['i-0f000000000000001']);
  });

  it('never sends EC2 an instance id from the table that is not one', async () => {
    await seed({ instanceId: 'i-0aaaaaaaaaaaaaaa1; DROP', readyAt: iso(start - 1_000) });
    describeInstances({});
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0ddddddddddddddd1' }] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0ddddddddddddddd1', PingStatus: 'Online' }] });
    const handle = await makePool().pool.open(input);
    expect(handle.bastionId).toBe('i-0ddddddddddddddd1');
    expect(ec2).not.toHaveReceivedCommand(StartInstancesCommand);
    expect(await itemOf('i-0aaaaaaaaaaaaaaa1; DROP')).toMatchObject({ status: 'available' });
  });
});

describe('pool configuration', () => {
  it('refuses a pool size for a subnet that is not a bastion subnet, or out of range', () => {
    const cold = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options);
    expect(() => new PooledBastion(new EC2Client({}), new SSMClient({}), db.dynamo, cold, options, { ...settings, sizes: new Map([['subnet-0cccccccccccccccc', 1]]) })).toThrow(
      'bastion pool size given for subnet-0cccccccccccccccc, which is not one of the bastion subnets (subnet-0aaaaaaaaaaaaaaaa, subnet-0bbbbbbbbbbbbbbbb)',
    );
    expect(() => new PooledBastion(new EC2Client({}), new SSMClient({}), db.dynamo, cold, options, { ...settings, sizes: new Map([[A, 51]]) })).toThrow('bastion pool size of subnet-0aaaaaaaaaaaaaaaa must be an integer from 0 to 50, got 51');
  });

  it('is the aws bastion driver with BASTION_POOL=on and the platform tables, and refuses to start without them', () => {
    const env = { DRIVERS: 'aws', BASTION_SUBNET_IDS: `${A},${B}`, BASTION_SECURITY_GROUP_ID: 'sg-0123456789abcdef0', BASTION_VPC_ID: 'vpc-0123456789abcdef0', BASTION_INSTANCE_PROFILE: 'dbre-bastion' };
    expect(createAwsDriver('bastion', driversConfig.parse(env))).toBeInstanceOf(Ec2SsmBastion);
    const on = driversConfig.parse({ ...env, BASTION_POOL: 'on' });
    expect(createAwsDriver('bastion', on, { dynamo: db.dynamo })).toBeInstanceOf(PooledBastion);
    expect(() => createAwsDriver('bastion', on)).toThrow('BASTION_POOL: on needs the platform tables (this service passes no DynamoDB to the drivers)');
  });

  it('is off by default; per-subnet sizes override the default size', () => {
    const config = driversConfig.parse({ BASTION_SUBNET_IDS: `${A},${B}`, BASTION_POOL_SIZES: `${B}=0` });
    expect(config.BASTION_POOL).toBe('off');
    expect([...poolSizes(config)]).toEqual([
      [A, 2],
      [B, 0],
    ]);
    expect(driversConfig.safeParse({ BASTION_POOL_SIZES: 'subnet-0aaaaaaaaaaaaaaaa=3;rm' }).success).toBe(false);
  });
});
