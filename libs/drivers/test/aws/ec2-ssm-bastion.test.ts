import {
  AuthorizeSecurityGroupEgressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, DescribeSessionsCommand, GetParameterCommand, SSMClient, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { BASTION_DEFAULTS, Ec2SsmBastion, type Ec2SsmBastionOptions } from '../../src/aws';
import { fakeClock } from './fake-clock';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);

const options: Ec2SsmBastionOptions = {
  region: 'eu-west-1',
  subnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
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
  online: { initialDelayMs: 1_000, maxDelayMs: 8_000, timeoutMs: 60_000 },
};

const start = Date.parse('2026-11-25T09:00:00Z');
const input = {
  requestId: '01JDBREREQUEST0000000000AB',
  requester: 'ana.silva@example.com',
  clusterId: 'orders-prod',
  target: { host: 'orders-prod.cluster-abc.eu-west-1.rds.amazonaws.com', port: 3306 },
  endsAt: new Date(start + 3_600_000),
};

function userDataOf(call: number): string {
  const sent = ec2.commandCalls(RunInstancesCommand)[call]?.args[0].input;
  return Buffer.from(sent?.UserData ?? '', 'base64').toString('utf8');
}

beforeEach(() => {
  ec2.reset();
  ssm.reset();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0abc1234def567890' } });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0bbbbbbbbbbbbbbb1' });
  ec2.on(RevokeSecurityGroupEgressCommand).resolves({});
  ec2.on(AuthorizeSecurityGroupEgressCommand).resolves({});
  ssm.on(DescribeSessionsCommand).resolves({ Sessions: [] });
});

describe('Ec2SsmBastion.open', () => {
  it('launches a locked-down, tagged, self-terminating instance and waits for SSM', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0123456789abcdef0' }] });
    ssm
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [] })
      .resolves({ InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef0', PingStatus: 'Online' }] });
    const clock = fakeClock(start);
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, clock);

    const handle = await bastion.open(input);

    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64' });
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
    const run = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(run).toMatchObject({
      ClientToken: input.requestId,
      ImageId: 'ami-0abc1234def567890',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: 'subnet-0aaaaaaaaaaaaaaaa',
      SecurityGroupIds: ['sg-0123456789abcdef0', 'sg-0bbbbbbbbbbbbbbb1'],
      IamInstanceProfile: { Name: 'dbre-bastion' },
      InstanceInitiatedShutdownBehavior: 'terminate',
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, DeleteOnTermination: true, VolumeType: 'gp3' } }],
    });
    const tags = run.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags;
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'managed-by', Value: 'dbre-platform' },
        { Key: 'dbre:request-id', Value: input.requestId },
        { Key: 'dbre:requester', Value: 'ana.silva@example.com' },
        { Key: 'dbre:cluster-id', Value: 'orders-prod' },
        { Key: 'dbre:ends-at', Value: '2026-11-25T10:00:00.000Z' },
        { Key: 'dbre:target-host', Value: 'orders-prod.cluster-abc.eu-west-1.rds.amazonaws.com' },
        { Key: 'dbre:target-port', Value: '3306' },
      ]),
    );
    expect(run.TagSpecifications?.map((t) => t.ResourceType)).toEqual(['instance', 'volume']);

    // The deadline and the target are read from the tags at boot, not baked in.
    const userData = userDataOf(0);
    expect(userData).toMatch(/^#!\/bin\/bash\n/);
    expect(userData).toContain('/usr/local/bin/dbre-tag dbre:ends-at');
    expect(userData).toContain('ListenStream=127.0.0.1:3306');
    expect(userData).not.toContain('2026-11-25');

    // Its own group: created in the VPC, the default allow-all egress revoked, then only the cluster.
    const sent = ec2.calls().map((c) => c.args[0].constructor.name);
    expect(sent).toEqual([
      'DescribeInstancesCommand',
      'DescribeSecurityGroupsCommand',
      'CreateSecurityGroupCommand',
      'RevokeSecurityGroupEgressCommand',
      'AuthorizeSecurityGroupEgressCommand',
      'RunInstancesCommand',
    ]);
    expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, { GroupName: 'dbre-bastion-01JDBREREQUEST0000000000AB', VpcId: 'vpc-0123456789abcdef0' });
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupEgressCommand, {
      GroupId: 'sg-0bbbbbbbbbbbbbbb1',
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupEgressCommand, {
      GroupId: 'sg-0bbbbbbbbbbbbbbb1',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, IpRanges: [{ CidrIp: '10.20.0.0/16', Description: 'cluster orders-prod' }] }],
    });
    // Nothing ever opens an inbound path.
    expect(sent.filter((n) => /Ingress/.test(n))).toEqual([]);

    expect(ssm).toHaveReceivedCommandWith(DescribeInstanceInformationCommand, {
      Filters: [{ Key: 'InstanceIds', Values: ['i-0123456789abcdef0'] }],
    });
    expect(ssm).toHaveReceivedCommandTimes(DescribeInstanceInformationCommand, 2);
    expect(clock.slept).toEqual([1_000]);
    expect(handle).toEqual({
      bastionId: 'i-0123456789abcdef0',
      connect: { host: '127.0.0.1', port: 13306 },
      connectCommand:
        "aws ssm start-session --region eu-west-1 --target i-0123456789abcdef0 --document-name dbre-PortForwardToGrantedCluster --parameters '{\"localPortNumber\":[\"13306\"]}'",
    });
  });

  it('returns the running instance of the same request instead of launching another', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa1', State: { Name: 'running' } }] }] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa1', PingStatus: 'Online' }] });
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, fakeClock(start));
    const handle = await bastion.open(input);
    expect(handle.bastionId).toBe('i-0aaaaaaaaaaaaaaa1');
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [
        { Name: 'tag:managed-by', Values: ['dbre-platform'] },
        { Name: 'tag:dbre:request-id', Values: [input.requestId] },
      ],
    });
  });

  it('never reopens the bastion of a closed grant', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa1', State: { Name: 'terminated' } }] }] });
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, fakeClock(start));
    await expect(bastion.open(input)).rejects.toThrow(`bastion i-0aaaaaaaaaaaaaaa1 of request ${input.requestId} is terminated; a closed grant's bastion is never reopened`);
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it('retries in the next subnet when the first AZ has no capacity', async () => {
    ec2
      .on(RunInstancesCommand, { SubnetId: 'subnet-0aaaaaaaaaaaaaaaa' })
      .rejects(Object.assign(new Error('We currently do not have sufficient capacity'), { name: 'InsufficientInstanceCapacity' }))
      .on(RunInstancesCommand, { SubnetId: 'subnet-0bbbbbbbbbbbbbbbb' })
      .resolves({ Instances: [{ InstanceId: 'i-0bbbbbbbbbbbbbbb2' }] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0bbbbbbbbbbbbbbb2', PingStatus: 'Online' }] });
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, fakeClock(start));
    const handle = await bastion.open(input);
    expect(handle.bastionId).toBe('i-0bbbbbbbbbbbbbbb2');
    const calls = ec2.commandCalls(RunInstancesCommand).map((c) => [c.args[0].input.SubnetId, c.args[0].input.ClientToken]);
    expect(calls).toEqual([
      ['subnet-0aaaaaaaaaaaaaaaa', input.requestId],
      ['subnet-0bbbbbbbbbbbbbbbb', `${input.requestId}-1`],
    ]);
  });

  it('fails with every subnet named when no AZ has capacity', async () => {
    ec2.on(RunInstancesCommand).rejects(Object.assign(new Error('no capacity'), { name: 'InsufficientInstanceCapacity' }));
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, fakeClock(start));
    await expect(bastion.open(input)).rejects.toThrow(
      'no capacity for a t3.micro bastion in any configured subnet (subnet-0aaaaaaaaaaaaaaaa: InsufficientInstanceCapacity; subnet-0bbbbbbbbbbbbbbbb: InsufficientInstanceCapacity)',
    );
  });

  it('adopts the earlier launch when the token was used with other inputs (e.g. a newer AMI)', async () => {
    ec2
      .on(RunInstancesCommand)
      .rejects(Object.assign(new Error('different parameters'), { name: 'IdempotentParameterMismatch' }))
      .on(DescribeInstancesCommand, { Filters: [{ Name: 'client-token', Values: [input.requestId] }] })
      .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0ddddddddddddddd4', State: { Name: 'pending' } }] }] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0ddddddddddddddd4', PingStatus: 'Online' }] });
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, fakeClock(start));
    await expect(bastion.open(input)).resolves.toMatchObject({ bastionId: 'i-0ddddddddddddddd4' });
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
  });

  it('does not retry other errors in another subnet', async () => {
    ec2.on(RunInstancesCommand).rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, fakeClock(start));
    await expect(bastion.open(input)).rejects.toThrow('not authorized');
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
  });

  it('terminates an instance that never comes online in SSM and fails clearly, with bounded backoff', async () => {
    ec2
      .on(RunInstancesCommand)
      .resolves({ Instances: [{ InstanceId: 'i-0ccccccccccccccc3' }] })
      .on(DescribeInstancesCommand, { InstanceIds: ['i-0ccccccccccccccc3'] })
      .resolves({
        Reservations: [{ Instances: [{ InstanceId: 'i-0ccccccccccccccc3', State: { Name: 'running' }, Tags: [{ Key: 'managed-by', Value: 'dbre-platform' }] }] }],
      })
      .on(TerminateInstancesCommand)
      .resolves({});
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    const clock = fakeClock(start);
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, clock);
    await expect(bastion.open(input)).rejects.toThrow(
      `bastion i-0ccccccccccccccc3 for request ${input.requestId} never came online in SSM within 60 s; it was terminated`,
    );
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0ccccccccccccccc3'] });
    expect(clock.slept).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000, 8_000, 8_000, 5_000]);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(60_000);
  });

  it('refuses a target host that is not a plain hostname (it ends up in a shell command)', async () => {
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, fakeClock(start));
    await expect(bastion.open({ ...input, target: { host: "x'; rm -rf /", port: 3306 } })).rejects.toThrow('invalid target host');
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it("pins the bastion's egress to its cluster's security groups when the cluster names them", async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0123456789abcdef0' }] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef0', PingStatus: 'Online' }] });
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, fakeClock(start));
    await bastion.open({ ...input, egress: { securityGroupIds: ['sg-0ccccccccccccccc9'] } });
    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupEgressCommand, {
      GroupId: 'sg-0bbbbbbbbbbbbbbb1',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, UserIdGroupPairs: [{ GroupId: 'sg-0ccccccccccccccc9', Description: 'cluster orders-prod' }] }],
    });
  });

  it("reaches a cluster in another VPC by CIDR: its security groups cannot be referenced from the bastion's VPC", async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0123456789abcdef0' }] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef0', PingStatus: 'Online' }] });
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, fakeClock(start));
    const placement = { region: 'eu-west-1', vpcId: 'vpc-0ffffffffffffffff', securityGroupIds: ['sg-0ccccccccccccccc9'], availabilityZones: [] };
    await bastion.open({ ...input, placement, egress: { securityGroupIds: ['sg-0ccccccccccccccc9'] } });
    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupEgressCommand, {
      GroupId: 'sg-0bbbbbbbbbbbbbbb1',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, IpRanges: [{ CidrIp: '10.20.0.0/16', Description: 'cluster orders-prod' }] }],
    });
  });

  it('refuses to launch a bastion that would have no pinned egress', async () => {
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), { ...options, databaseCidrs: [] }, fakeClock(start));
    await expect(bastion.open(input)).rejects.toThrow(`no egress for the bastion of request ${input.requestId}`);
    expect(ec2).not.toHaveReceivedCommand(CreateSecurityGroupCommand);
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it('uses an instance profile ARN and a KMS key when configured', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0123456789abcdef0' }] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef0', PingStatus: 'Online' }] });
    const arn = 'arn:aws:iam::123456789012:instance-profile/dbre-bastion';
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), { ...options, instanceProfile: arn, kmsKeyId: key }, fakeClock(start));
    await bastion.open(input);
    expect(ec2).toHaveReceivedCommandWith(RunInstancesCommand, {
      IamInstanceProfile: { Arn: arn },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, DeleteOnTermination: true, VolumeType: 'gp3', KmsKeyId: key } }],
    });
  });
});

describe('Ec2SsmBastion.close and list', () => {
  const tagged = { InstanceId: 'i-0123456789abcdef0', State: { Name: 'running' as const }, Tags: [{ Key: 'managed-by', Value: 'dbre-platform' }] };

  it('ends the live sessions first, then terminates the instance, then deletes its group', async () => {
    const withRequest = { ...tagged, Tags: [...tagged.Tags, { Key: 'dbre:request-id', Value: 'R1' }] };
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-0123456789abcdef0'] }).resolves({ Reservations: [{ Instances: [withRequest] }] });
    const order: string[] = [];
    ec2.on(TerminateInstancesCommand).callsFake(() => (order.push('TerminateInstances'), {}));
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-0bbbbbbbbbbbbbbb1' }] });
    // Still attached to the terminating instance: left for the sweep (deleteOrphanGroups).
    ec2.on(DeleteSecurityGroupCommand).rejects(Object.assign(new Error('has a dependent object'), { name: 'DependencyViolation' }));
    ssm
      .on(DescribeSessionsCommand)
      .resolvesOnce({ Sessions: [{ SessionId: 'ana-0a1b2c3d4e5f' }], NextToken: 'more' })
      .resolves({ Sessions: [{ SessionId: 'ana-0f9e8d7c6b5a' }] });
    ssm.on(TerminateSessionCommand).callsFake((i: { SessionId?: string }) => (order.push(`TerminateSession ${i.SessionId}`), {}));

    await new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options).close('i-0123456789abcdef0');

    expect(ssm).toHaveReceivedNthSpecificCommandWith(1, DescribeSessionsCommand, { State: 'Active', Filters: [{ key: 'Target', value: 'i-0123456789abcdef0' }], NextToken: undefined });
    expect(ssm.commandCalls(TerminateSessionCommand).map((c) => c.args[0].input)).toEqual([{ SessionId: 'ana-0a1b2c3d4e5f' }, { SessionId: 'ana-0f9e8d7c6b5a' }]);
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0123456789abcdef0'] });
    expect(ec2).toHaveReceivedCommandWith(DeleteSecurityGroupCommand, { GroupId: 'sg-0bbbbbbbbbbbbbbb1' });
    expect(order).toEqual(['TerminateSession ana-0a1b2c3d4e5f', 'TerminateSession ana-0f9e8d7c6b5a', 'TerminateInstances']);
  });

  it('moves the deadline tag on an extension (the failsafe re-reads it)', async () => {
    ec2.on(CreateTagsCommand).resolves({});
    await new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options).extend('i-0123456789abcdef0', new Date('2026-11-25T11:30:00Z'));
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: ['i-0123456789abcdef0'],
      Tags: [{ Key: 'dbre:ends-at', Value: '2026-11-25T11:30:00.000Z' }],
    });
    await expect(new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options).extend('fwd-1', new Date())).rejects.toThrow('not a bastion instance id');
  });

  it('treats unknown and already terminated instances as closed', async () => {
    ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('does not exist'), { name: 'InvalidInstanceID.NotFound' }));
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options);
    await bastion.close('i-0123456789abcdef0');
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ ...tagged, State: { Name: 'terminated' } }] }] });
    await bastion.close('i-0123456789abcdef0');
    expect(ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
  });

  it('refuses to terminate an instance the platform did not create', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ ...tagged, Tags: [] }] }] });
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options);
    await expect(bastion.close('i-0123456789abcdef0')).rejects.toThrow('refusing to terminate i-0123456789abcdef0');
    expect(ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
  });

  it('treats an id that is no instance id (a local forwarder id) as unknown, calling nothing', async () => {
    await new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options).close('fwd-01JREQ');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('lists every platform-tagged, not yet terminated instance across pages', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              { InstanceId: 'i-01', LaunchTime: new Date(start), Tags: [{ Key: 'dbre:request-id', Value: 'r1' }] },
              { InstanceId: 'i-02', LaunchTime: new Date(start + 1000), Tags: [{ Key: 'dbre:request-id', Value: 'r2' }] },
            ],
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-03', LaunchTime: new Date(start + 2000), Tags: [] }] }] });
    const list = await new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options).list();
    expect(list).toEqual([
      { bastionId: 'i-01', requestId: 'r1', createdAt: new Date(start) },
      { bastionId: 'i-02', requestId: 'r2', createdAt: new Date(start + 1000) },
      { bastionId: 'i-03', requestId: '', createdAt: new Date(start + 2000) },
    ]);
    const filters = {
      Filters: [
        { Name: 'tag:managed-by', Values: ['dbre-platform'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
      MaxResults: 1000,
    };
    expect(ec2).toHaveReceivedNthSpecificCommandWith(1, DescribeInstancesCommand, { ...filters, NextToken: undefined });
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeInstancesCommand, { ...filters, NextToken: 'page-2' });
  });
});

describe('Ec2SsmBastion.amiAges', () => {
  it('reports the image age of every live bastion, oldest first, and whether it runs the newest AMI', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { InstanceId: 'i-0aaaaaaaaaaaaaaa1', ImageId: 'ami-0abc1234def567890', Tags: [{ Key: 'dbre:request-id', Value: 'R1' }] },
            { InstanceId: 'i-0aaaaaaaaaaaaaaa2', ImageId: 'ami-0old0000000000001', Tags: [{ Key: 'dbre:request-id', Value: 'R2' }] },
          ],
        },
      ],
    });
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        { ImageId: 'ami-0abc1234def567890', CreationDate: '2026-11-20T08:00:00.000Z' },
        { ImageId: 'ami-0old0000000000001', CreationDate: '2026-09-01T08:00:00.000Z' },
      ],
    });
    const bastion = new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options, fakeClock(start));
    await expect(bastion.amiAges()).resolves.toEqual([
      { bastionId: 'i-0aaaaaaaaaaaaaaa2', requestId: 'R2', region: 'eu-west-1', imageId: 'ami-0old0000000000001', imageCreatedAt: new Date('2026-09-01T08:00:00.000Z'), ageDays: 85, newest: false },
      { bastionId: 'i-0aaaaaaaaaaaaaaa1', requestId: 'R1', region: 'eu-west-1', imageId: 'ami-0abc1234def567890', imageCreatedAt: new Date('2026-11-20T08:00:00.000Z'), ageDays: 5, newest: true },
    ]);
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, { ImageIds: ['ami-0abc1234def567890', 'ami-0old0000000000001'] });
  });
});
