import {
  AuthorizeSecurityGroupEgressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, DescribeSessionsCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { BASTION_DEFAULTS, Ec2SsmBastion, RegionalBastion, type BastionNetwork } from '../../src/aws';
import { createAwsDriver } from '../../src/aws/create-driver';
import { driversConfig } from '../../src/select';
import type { AwsClients } from '../../src/aws';
import { fakeClock } from './fake-clock';

const start = Date.parse('2026-11-25T09:00:00Z');
const HOME: BastionNetwork = { region: 'eu-west-1', vpcId: 'vpc-0aaaaaaaaaaaaaaa1', subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'], securityGroupId: 'sg-0aaaaaaaaaaaaaaa1', databaseCidrs: ['10.1.0.0/16'] };
const TOKYO: BastionNetwork = { region: 'ap-northeast-1', vpcId: 'vpc-0bbbbbbbbbbbbbbb1', subnetIds: ['subnet-0bbbbbbbbbbbbbbb1'], securityGroupId: 'sg-0bbbbbbbbbbbbbbb1', databaseCidrs: ['10.2.0.0/16'] };
const TOKYO_B: BastionNetwork = { region: 'ap-northeast-1', vpcId: 'vpc-0ccccccccccccccc1', subnetIds: ['subnet-0ccccccccccccccc1'], securityGroupId: 'sg-0ccccccccccccccc1' };

/** One EC2 and one SSM client per region, each mocked on its own: a call in the wrong region shows. */
function regionClients(region: string, instanceId: string) {
  const ec2Client = new EC2Client({ region });
  const ssmClient = new SSMClient({ region });
  const ec2 = mockClient(ec2Client);
  const ssm = mockClient(ssmClient);
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0abc1234def567890' } });
  ssm.on(DescribeSessionsCommand).resolves({ Sessions: [] });
  ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: instanceId, PingStatus: 'Online' }] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0eeeeeeeeeeeeeee1' });
  ec2.on(RevokeSecurityGroupEgressCommand).resolves({});
  ec2.on(AuthorizeSecurityGroupEgressCommand).resolves({});
  ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: instanceId }] });
  return { ec2Client, ssmClient, ec2, ssm };
}

const input = {
  requestId: '01JDBREREQUEST0000000000AB',
  requester: 'ana.silva@example.com',
  clusterId: 'orders-tokyo',
  target: { host: 'orders.cluster-abc.ap-northeast-1.rds.amazonaws.com', port: 3306 },
  endsAt: new Date(start + 3_600_000),
};

function make(network: BastionNetwork, c: ReturnType<typeof regionClients>) {
  return new Ec2SsmBastion(
    c.ec2Client,
    c.ssmClient,
    {
      region: network.region,
      vpcId: network.vpcId,
      subnetIds: network.subnetIds,
      securityGroupId: network.securityGroupId,
      databaseCidrs: network.databaseCidrs ?? [],
      sessionDocument: BASTION_DEFAULTS.sessionDocument,
      instanceProfile: 'dbre-bastion',
      instanceType: 't3.micro',
      amiParameter: BASTION_DEFAULTS.amiParameter,
      managedBy: 'dbre-platform',
      graceMinutes: 15,
      localPort: 13306,
      online: { initialDelayMs: 1000, maxDelayMs: 1000, timeoutMs: 10_000 },
    },
    fakeClock(start),
  );
}

describe('RegionalBastion', () => {
  let home: ReturnType<typeof regionClients>;
  let tokyo: ReturnType<typeof regionClients>;
  let regional: RegionalBastion;
  beforeEach(() => {
    home = regionClients('eu-west-1', 'i-0aaaaaaaaaaaaaaa9');
    tokyo = regionClients('ap-northeast-1', 'i-0bbbbbbbbbbbbbbb9');
    regional = new RegionalBastion(
      [
        { network: HOME, bastion: make(HOME, home) },
        { network: TOKYO, bastion: make(TOKYO, tokyo) },
        { network: TOKYO_B, bastion: make(TOKYO_B, tokyo) },
      ],
      { homeRegion: 'eu-west-1' },
    );
  });

  it("launches the bastion in the cluster's own region and VPC, egress to the cluster's group, and names the region in the id and the command", async () => {
    const placement = { region: 'ap-northeast-1', vpcId: 'vpc-0bbbbbbbbbbbbbbb1', securityGroupIds: ['sg-0ddddddddddddddd1'], availabilityZones: ['ap-northeast-1a'] };
    const handle = await regional.open({ ...input, placement, egress: { securityGroupIds: placement.securityGroupIds } });
    expect(handle).toEqual({
      bastionId: 'ap-northeast-1/i-0bbbbbbbbbbbbbbb9',
      connect: { host: '127.0.0.1', port: 13306 },
      connectCommand: `aws ssm start-session --region ap-northeast-1 --target i-0bbbbbbbbbbbbbbb9 --document-name dbre-PortForwardToGrantedCluster --parameters '{"localPortNumber":["13306"]}'`,
    });
    expect(home.ec2).not.toHaveReceivedCommand(RunInstancesCommand);
    expect(home.ec2).not.toHaveReceivedCommand(CreateSecurityGroupCommand);
    expect(tokyo.ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, { VpcId: 'vpc-0bbbbbbbbbbbbbbb1' });
    expect(tokyo.ec2).toHaveReceivedCommandWith(RunInstancesCommand, { SubnetId: 'subnet-0bbbbbbbbbbbbbbb1', SecurityGroupIds: ['sg-0bbbbbbbbbbbbbbb1', 'sg-0eeeeeeeeeeeeeee1'] });
    expect(tokyo.ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupEgressCommand, {
      GroupId: 'sg-0eeeeeeeeeeeeeee1',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, UserIdGroupPairs: [{ GroupId: 'sg-0ddddddddddddddd1', Description: 'cluster orders-tokyo' }] }],
    });
  });

  it('picks the VPC of the cluster among several in its region', async () => {
    await regional.open({ ...input, placement: { region: 'ap-northeast-1', vpcId: 'vpc-0ccccccccccccccc1', securityGroupIds: [], availabilityZones: [] }, egress: { cidrs: ['10.3.0.0/16'] } });
    expect(tokyo.ec2).toHaveReceivedCommandWith(RunInstancesCommand, { SubnetId: 'subnet-0ccccccccccccccc1' });
  });

  it('falls back to the home network for a cluster in a region without bastions, reaching it by CIDR (groups do not cross regions)', async () => {
    const placement = { region: 'us-west-2', vpcId: 'vpc-0fffffffffffffff1', securityGroupIds: ['sg-0ddddddddddddddd1'], availabilityZones: [] };
    const handle = await regional.open({ ...input, placement, egress: { securityGroupIds: placement.securityGroupIds } });
    expect(handle.bastionId).toBe('i-0aaaaaaaaaaaaaaa9');
    expect(home.ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupEgressCommand, {
      GroupId: 'sg-0eeeeeeeeeeeeeee1',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, IpRanges: [{ CidrIp: '10.1.0.0/16', Description: 'cluster orders-tokyo' }] }],
    });
    expect(tokyo.ec2).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it('closes and extends in the region the id names; refuses ids of unconfigured regions; ignores non-instance ids', async () => {
    const mine = { Reservations: [{ Instances: [{ InstanceId: 'i-0bbbbbbbbbbbbbbb9', State: { Name: 'running' as const }, Tags: [{ Key: 'managed-by', Value: 'dbre-platform' }] }] }] };
    tokyo.ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-0bbbbbbbbbbbbbbb9'] }).resolves(mine);
    tokyo.ec2.on(TerminateInstancesCommand).resolves({});
    tokyo.ec2.on(CreateTagsCommand).resolves({});
    await regional.extend('ap-northeast-1/i-0bbbbbbbbbbbbbbb9', new Date('2026-11-25T11:00:00Z'));
    expect(tokyo.ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: ['i-0bbbbbbbbbbbbbbb9'], Tags: [{ Key: 'dbre:ends-at', Value: '2026-11-25T11:00:00.000Z' }] });
    await regional.close('ap-northeast-1/i-0bbbbbbbbbbbbbbb9');
    expect(tokyo.ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0bbbbbbbbbbbbbbb9'] });
    expect(home.ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
    await expect(regional.close('sa-east-1/i-0bbbbbbbbbbbbbbb9')).rejects.toThrow('bastion sa-east-1/i-0bbbbbbbbbbbbbbb9 is in sa-east-1, where no bastion network is configured (BASTION_NETWORKS)');
    await expect(regional.close('fwd-01JDBREREQUEST0000000000AB')).resolves.toBeUndefined();
    await expect(regional.close('ap-northeast-1/i-0bbb; rm -rf /')).resolves.toBeUndefined();
    expect(tokyo.ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
  });

  it('lists every region once, qualifying ids outside home, and keeps listing when one region fails', async () => {
    home.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa1', LaunchTime: new Date(start), Tags: [{ Key: 'dbre:request-id', Value: 'R1' }] }] }] });
    tokyo.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0bbbbbbbbbbbbbbb1', LaunchTime: new Date(start), Tags: [{ Key: 'dbre:request-id', Value: 'R2' }] }] }] });
    await expect(regional.list()).resolves.toEqual([
      { bastionId: 'i-0aaaaaaaaaaaaaaa1', requestId: 'R1', createdAt: new Date(start) },
      { bastionId: 'ap-northeast-1/i-0bbbbbbbbbbbbbbb1', requestId: 'R2', createdAt: new Date(start) },
    ]);
    expect(tokyo.ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1); // two networks there, one listing

    const failed: string[] = [];
    const partial = new RegionalBastion([{ network: HOME, bastion: make(HOME, home) }, { network: TOKYO, bastion: make(TOKYO, tokyo) }], { homeRegion: 'eu-west-1', onRegionError: (r) => failed.push(r) });
    tokyo.ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' }));
    await expect(partial.list()).resolves.toEqual([{ bastionId: 'i-0aaaaaaaaaaaaaaa1', requestId: 'R1', createdAt: new Date(start) }]);
    expect(failed).toEqual(['ap-northeast-1']);
    home.ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' }));
    await expect(partial.list()).rejects.toThrow('Rate exceeded');
  });

  it('reports AMI ages of every region with the region', async () => {
    tokyo.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0bbbbbbbbbbbbbbb1', ImageId: 'ami-0old0000000000001', Tags: [{ Key: 'dbre:request-id', Value: 'R2' }] }] }] });
    tokyo.ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-0old0000000000001', CreationDate: '2026-10-26T09:00:00.000Z' }] });
    await expect(regional.amiAges()).resolves.toEqual([
      { bastionId: 'ap-northeast-1/i-0bbbbbbbbbbbbbbb1', requestId: 'R2', region: 'ap-northeast-1', imageId: 'ami-0old0000000000001', imageCreatedAt: new Date('2026-10-26T09:00:00.000Z'), ageDays: 30, newest: false },
    ]);
  });

  it('refuses a configuration without the home region or with a network twice', () => {
    expect(() => new RegionalBastion([{ network: TOKYO, bastion: make(TOKYO, tokyo) }], { homeRegion: 'eu-west-1' })).toThrow('no bastion network in the home region eu-west-1');
    expect(() => new RegionalBastion([{ network: HOME, bastion: make(HOME, home) }, { network: HOME, bastion: make(HOME, home) }], { homeRegion: 'eu-west-1' })).toThrow('bastion network eu-west-1/vpc-0aaaaaaaaaaaaaaa1 is configured twice');
  });
});

describe('BASTION_NETWORKS', () => {
  const base = {
    DRIVERS: 'aws',
    AWS_REGION: 'eu-west-1',
    BASTION_SUBNET_IDS: 'subnet-0aaaaaaaaaaaaaaa1',
    BASTION_SECURITY_GROUP_ID: 'sg-0aaaaaaaaaaaaaaa1',
    BASTION_VPC_ID: 'vpc-0aaaaaaaaaaaaaaa1',
    BASTION_INSTANCE_PROFILE: 'dbre-bastion',
  };

  it('builds one bastion per network, each on its own region clients', () => {
    const regions: string[] = [];
    const clients = { ec2: (r: string) => (regions.push(`ec2:${r}`), new EC2Client({ region: r })), ssm: (r: string) => (regions.push(`ssm:${r}`), new SSMClient({ region: r })) } as unknown as AwsClients;
    const config = driversConfig.parse({ ...base, BASTION_NETWORKS: JSON.stringify([TOKYO]) });
    const bastion = createAwsDriver('bastion', config, { clients });
    expect(bastion).toBeInstanceOf(RegionalBastion);
    expect(regions).toEqual(['ec2:eu-west-1', 'ssm:eu-west-1', 'ec2:ap-northeast-1', 'ssm:ap-northeast-1']);
    expect((bastion as RegionalBastion).networkFor({ placement: { region: 'ap-northeast-1', securityGroupIds: [], availabilityZones: [] } })).toEqual(TOKYO);
  });

  it('without it, the single home bastion as before', () => {
    expect(createAwsDriver('bastion', driversConfig.parse(base))).toBeInstanceOf(Ec2SsmBastion);
  });

  it('says what is wrong with a bad value', () => {
    const bad = driversConfig.safeParse({ ...base, BASTION_NETWORKS: JSON.stringify([{ ...TOKYO, region: 'tokyo', subnetIds: [] }]) });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'BASTION_NETWORKS: 0.region: an AWS region such as eu-west-1; 0.subnetIds: Too small: expected array to have >=1 items',
    ]);
    expect(driversConfig.safeParse({ ...base, BASTION_NETWORKS: '[{' }).error?.issues.map((i) => i.message)).toEqual(['not JSON']);
  });
});
