import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
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
      SecurityGroupIds: ['sg-0123456789abcdef0'],
      IamInstanceProfile: { Name: 'dbre-bastion' },
      InstanceInitiatedShutdownBehavior: 'terminate',
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
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
      ]),
    );
    expect(run.TagSpecifications?.map((t) => t.ResourceType)).toEqual(['instance', 'volume']);

    const userData = userDataOf(0);
    expect(userData).toMatch(/^#!\/bin\/bash\n/);
    expect(userData).toContain('OnCalendar=2026-11-25 10:15:00 UTC');
    expect(userData).toContain('Persistent=true');
    expect(userData).toContain('systemctl enable --now dbre-failsafe.timer');
    expect(userData).toContain('shutdown -P "+$MINUTES"');
    expect(userData).toContain('dnf -y update --security');
    expect(userData).toContain('dnf -y install mariadb105');
    // The failsafe is armed before anything that may be slow or fail.
    expect(userData.indexOf('dbre-failsafe.timer')).toBeLessThan(userData.indexOf('dnf -y update'));

    // Nothing ever opens an inbound path.
    const sent = ec2.calls().map((c) => c.args[0].constructor.name);
    expect(sent.filter((n) => /Ingress|SecurityGroup/.test(n))).toEqual([]);

    expect(ssm).toHaveReceivedCommandWith(DescribeInstanceInformationCommand, {
      Filters: [{ Key: 'InstanceIds', Values: ['i-0123456789abcdef0'] }],
    });
    expect(ssm).toHaveReceivedCommandTimes(DescribeInstanceInformationCommand, 2);
    expect(clock.slept).toEqual([1_000]);
    expect(handle).toEqual({
      bastionId: 'i-0123456789abcdef0',
      connect: { host: '127.0.0.1', port: 13306 },
      connectCommand:
        "aws ssm start-session --region eu-west-1 --target i-0123456789abcdef0 --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters '{\"host\":[\"orders-prod.cluster-abc.eu-west-1.rds.amazonaws.com\"],\"portNumber\":[\"3306\"],\"localPortNumber\":[\"13306\"]}'",
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

  it('terminates a platform instance', async () => {
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-0123456789abcdef0'] }).resolves({ Reservations: [{ Instances: [tagged] }] });
    ec2.on(TerminateInstancesCommand).resolves({});
    await new Ec2SsmBastion(new EC2Client({}), new SSMClient({}), options).close('i-0123456789abcdef0');
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0123456789abcdef0'] });
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
