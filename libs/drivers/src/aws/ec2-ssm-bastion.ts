import {
  AuthorizeSecurityGroupEgressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
  type IpPermission,
  type RunInstancesCommandInput,
  type Tag,
} from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, DescribeSessionsCommand, GetParameterCommand, TerminateSessionCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Bastion, BastionAmiAge, BastionHandle, BastionInfo, BastionOpenInput } from '../ports';
import { awsErrorName, pollWithBackoff, realClock, type BackoffOptions, type Clock } from './backoff';
import { bastionUserData, USER_DATA_TAGS } from './bastion-user-data';
import { BASTION_DEFAULTS } from './settings';

export { BASTION_DEFAULTS };

/** Tag keys on every bastion (and its volume); IAM conditions in infra/ use the same keys. */
export const BASTION_TAGS = {
  managedBy: 'managed-by',
  requestId: 'dbre:request-id',
  requester: 'dbre:requester',
  clusterId: 'dbre:cluster-id',
  endsAt: USER_DATA_TAGS.endsAt,
  targetHost: USER_DATA_TAGS.targetHost,
  targetPort: USER_DATA_TAGS.targetPort,
} as const;

export interface Ec2SsmBastionOptions {
  region: string;
  /** One subnet per AZ, tried in order when EC2 has no capacity. */
  subnetIds: readonly string[];
  /** The base group: no inbound rules, egress to SSM only. */
  securityGroupId: string;
  /** VPC of the subnets: each bastion gets a group of its own there, whose only egress is its cluster. */
  vpcId: string;
  /** Egress of a bastion whose open input names none (the fleet's database CIDRs). */
  databaseCidrs?: readonly string[];
  /** The platform's port-forwarding Session document (infra/modules/bastion). */
  sessionDocument: string;
  /** Loopback port of the proxy on the bastion (the document's fixed portNumber). */
  proxyPort?: number;
  /** Name (or ARN) of the instance profile carrying only AmazonSSMManagedInstanceCore. */
  instanceProfile: string;
  instanceType: string;
  /** Public SSM parameter naming the latest AMI. */
  amiParameter: string;
  /** Value of the `managed-by` tag; the sweep and IAM conditions key on it. */
  managedBy: string;
  /** EBS encryption key; the account's default `aws/ebs` key when absent. */
  kmsKeyId?: string;
  graceMinutes: number;
  /** Port the engineer's `aws ssm start-session` listens on locally. */
  localPort: number;
  online: BackoffOptions;
}

/** EC2 answers meaning "not here, try another AZ". */
const CAPACITY_ERRORS = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientHostCapacity',
  'InsufficientCapacity',
  'InsufficientFreeAddressesInSubnet',
  'Unsupported',
]);

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const HOSTNAME = /^[A-Za-z0-9.-]{1,253}$/;

export type { BastionAmiAge } from '../ports';

export class BastionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BastionError';
  }
}

/** Tag values allow letters, digits, spaces and `_ . : / = + - @` (max 256). */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9 _.:/=+\-@]/g, '_').slice(0, 256);
}

function tagOf(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/**
 * Bastion on AWS: an ephemeral EC2 instance reachable only through SSM port forwarding.
 * Idempotent per request (ClientToken + a tag lookup), self-terminating at end + grace.
 */
export class Ec2SsmBastion implements Bastion {
  private amiCache?: { id: string; at: number };

  constructor(
    private readonly ec2: EC2Client,
    private readonly ssm: SSMClient,
    private readonly options: Ec2SsmBastionOptions,
    private readonly clock: Clock = realClock,
  ) {
    if (options.subnetIds.length === 0) throw new BastionError('Ec2SsmBastion needs at least one subnet id');
  }

  async open(input: BastionOpenInput): Promise<BastionHandle> {
    if (!HOSTNAME.test(input.target.host)) throw new BastionError(`invalid target host ${JSON.stringify(input.target.host)}`);
    if (input.endsAt.getTime() <= this.clock.now()) throw new BastionError(`request ${input.requestId} has already ended; no bastion opened`);
    const existing = await this.findByRequest(input.requestId);
    if (existing && existing.state !== 'pending' && existing.state !== 'running') {
      throw new BastionError(`bastion ${existing.id} of request ${input.requestId} is ${existing.state}; a closed grant's bastion is never reopened`);
    }
    const instanceId = existing?.id ?? (await this.launch(input));
    await this.waitOnline(instanceId, input.requestId);
    return {
      bastionId: instanceId,
      connect: { host: '127.0.0.1', port: this.options.localPort },
      connectCommand: this.connectCommand(instanceId),
    };
  }

  /** Moves the deadline the bastion's failsafe re-reads every minute (the grant was extended). */
  async extend(bastionId: string, endsAt: Date): Promise<void> {
    if (!INSTANCE_ID.test(bastionId)) throw new BastionError(`not a bastion instance id: ${JSON.stringify(bastionId)}`);
    await this.ec2.send(new CreateTagsCommand({ Resources: [bastionId], Tags: [{ Key: BASTION_TAGS.endsAt, Value: endsAt.toISOString() }] }));
  }

  /** Ends every live Session Manager session on the instance (an open tunnel outlives the instance's API state otherwise). */
  private async terminateSessions(instanceId: string): Promise<void> {
    let NextToken: string | undefined;
    do {
      const out = await this.ssm.send(new DescribeSessionsCommand({ State: 'Active', Filters: [{ key: 'Target', value: instanceId }], NextToken }));
      for (const session of out.Sessions ?? []) {
        if (session.SessionId) await this.ssm.send(new TerminateSessionCommand({ SessionId: session.SessionId }));
      }
      NextToken = out.NextToken;
    } while (NextToken);
  }

  async close(bastionId: string): Promise<void> {
    // Not an instance id (e.g. a local forwarder's, from before DRIVERS=aws): no such bastion here.
    if (!INSTANCE_ID.test(bastionId)) return;
    let instance: Instance | undefined;
    try {
      const out = await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [bastionId] }));
      instance = out.Reservations?.flatMap((r) => r.Instances ?? [])[0];
    } catch (err) {
      if (awsErrorName(err) === 'InvalidInstanceID.NotFound') return;
      throw err;
    }
    if (!instance || instance.State?.Name === 'terminated' || instance.State?.Name === 'shutting-down') return;
    if (tagOf(instance.Tags, BASTION_TAGS.managedBy) !== this.options.managedBy) {
      throw new BastionError(`refusing to terminate ${bastionId}: it is not tagged ${BASTION_TAGS.managedBy}=${this.options.managedBy}`);
    }
    await this.terminateSessions(bastionId);
    try {
      await this.ec2.send(new TerminateInstancesCommand({ InstanceIds: [bastionId] }));
    } catch (err) {
      if (awsErrorName(err) === 'InvalidInstanceID.NotFound') return;
      throw err;
    }
    const requestId = tagOf(instance.Tags, BASTION_TAGS.requestId);
    if (requestId) await this.deleteGroupOf(requestId);
  }

  /**
   * Deletes the per-bastion groups whose instance is gone. A group stays attached until its
   * instance has terminated (DependencyViolation meanwhile), so close() may leave it: the sweep
   * calls this. Returns the ids deleted.
   */
  async deleteOrphanGroups(): Promise<string[]> {
    const live = new Set((await this.list()).map((b) => b.requestId));
    const out = await this.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: `tag:${BASTION_TAGS.managedBy}`, Values: [this.options.managedBy] }, { Name: 'vpc-id', Values: [this.options.vpcId] }] }));
    const deleted: string[] = [];
    for (const group of out.SecurityGroups ?? []) {
      const requestId = tagOf(group.Tags, BASTION_TAGS.requestId);
      if (!requestId || !group.GroupId || live.has(requestId)) continue;
      if (await this.deleteGroup(group.GroupId)) deleted.push(group.GroupId);
    }
    return deleted;
  }

  private async deleteGroupOf(requestId: string): Promise<void> {
    const id = await this.findGroup(requestId);
    if (id) await this.deleteGroup(id);
  }

  private async deleteGroup(groupId: string): Promise<boolean> {
    try {
      await this.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
      return true;
    } catch (err) {
      const name = awsErrorName(err);
      if (name === 'DependencyViolation' || name === 'InvalidGroup.NotFound') return false;
      throw err;
    }
  }

  private groupName(requestId: string): string {
    return `dbre-bastion-${tagValue(requestId).replace(/[^A-Za-z0-9._-]/g, '_')}`.slice(0, 255);
  }

  private async findGroup(requestId: string): Promise<string | undefined> {
    const out = await this.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [this.options.vpcId] },
          { Name: 'group-name', Values: [this.groupName(requestId)] },
          { Name: `tag:${BASTION_TAGS.managedBy}`, Values: [this.options.managedBy] },
        ],
      }),
    );
    return out.SecurityGroups?.[0]?.GroupId;
  }

  /**
   * The bastion's own group: no inbound rule, and (once the default allow-all egress is revoked)
   * one egress rule: the cluster's port, to its security groups or CIDRs. Idempotent per request.
   */
  async ensureGroup(input: BastionOpenInput, tags: Tag[]): Promise<string> {
    const existing = await this.findGroup(input.requestId);
    if (existing) return existing;
    // Security groups are referenced only inside one VPC: a cluster elsewhere is reached by CIDR.
    const sameVpc = !input.placement?.vpcId || input.placement.vpcId === this.options.vpcId;
    const securityGroupIds = sameVpc ? (input.egress?.securityGroupIds ?? []) : [];
    const cidrs = input.egress?.cidrs ?? (securityGroupIds.length ? [] : (this.options.databaseCidrs ?? []));
    if (securityGroupIds.length === 0 && cidrs.length === 0) {
      throw new BastionError(`no egress for the bastion of request ${input.requestId}: give the cluster's security groups or CIDRs (or BASTION_DATABASE_CIDRS)`);
    }
    const created = await this.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: this.groupName(input.requestId),
        Description: `dbre-platform bastion of request ${tagValue(input.requestId)}: egress to its cluster only`,
        VpcId: this.options.vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }],
      }),
    );
    const GroupId = created.GroupId;
    if (!GroupId) throw new BastionError(`CreateSecurityGroup for request ${input.requestId} returned no group id`);
    // A new group allows all outbound traffic: revoke that rule, then allow only the cluster.
    await this.ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const permission: IpPermission = {
      IpProtocol: 'tcp',
      FromPort: input.target.port,
      ToPort: input.target.port,
      ...(securityGroupIds.length ? { UserIdGroupPairs: securityGroupIds.map((id) => ({ GroupId: id, Description: `cluster ${tagValue(input.clusterId)}` })) } : {}),
      ...(cidrs.length ? { IpRanges: cidrs.map((c) => ({ CidrIp: c, Description: `cluster ${tagValue(input.clusterId)}` })) } : {}),
    };
    await this.ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId, IpPermissions: [permission] }));
    return GroupId;
  }

  async list(): Promise<BastionInfo[]> {
    return (await this.liveInstances()).flatMap((instance) =>
      instance.InstanceId ? [{ bastionId: instance.InstanceId, requestId: tagOf(instance.Tags, BASTION_TAGS.requestId) ?? '', createdAt: instance.LaunchTime ?? new Date(0) }] : [],
    );
  }

  /** Every live instance this platform launched (all pages). */
  private async liveInstances(): Promise<Instance[]> {
    const found: Instance[] = [];
    let NextToken: string | undefined;
    do {
      const out = await this.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: `tag:${BASTION_TAGS.managedBy}`, Values: [this.options.managedBy] },
            { Name: 'instance-state-name', Values: LIVE_STATES },
          ],
          MaxResults: 1000,
          NextToken,
        }),
      );
      found.push(...(out.Reservations?.flatMap((r) => r.Instances ?? []) ?? []));
      NextToken = out.NextToken;
    } while (NextToken);
    return found;
  }

  /**
   * The AMI age of every live bastion, oldest first: a bastion not on the newest AL2023 image, or
   * on one older than the alert threshold, is what the governance rule flags.
   */
  async amiAges(): Promise<BastionAmiAge[]> {
    const latest = await this.latestAmi();
    const instances = (await this.liveInstances()).flatMap((i) => (i.InstanceId && i.ImageId ? [{ id: i.InstanceId, requestId: tagOf(i.Tags, BASTION_TAGS.requestId) ?? '', imageId: i.ImageId }] : []));
    if (instances.length === 0) return [];
    const imageIds = [...new Set(instances.map((i) => i.imageId))].sort();
    const images = await this.ec2.send(new DescribeImagesCommand({ ImageIds: imageIds }));
    const created = new Map<string, Date>();
    for (const image of images.Images ?? []) if (image.ImageId && image.CreationDate) created.set(image.ImageId, new Date(image.CreationDate));
    const ages: BastionAmiAge[] = instances.map((i) => {
      const at = created.get(i.imageId);
      return {
        bastionId: i.id,
        requestId: i.requestId,
        region: this.options.region,
        imageId: i.imageId,
        ...(at ? { imageCreatedAt: at, ageDays: Math.floor((this.clock.now() - at.getTime()) / 86_400_000) } : {}),
        newest: i.imageId === latest,
      };
    });
    return ages.sort((a, b) => (b.ageDays ?? Infinity) - (a.ageDays ?? Infinity) || a.bastionId.localeCompare(b.bastionId));
  }

  /**
   * The command handed to the engineer: the platform's document, whose only parameter is the
   * local port; the host and port of the cluster are fixed on the bastion.
   */
  connectCommand(instanceId: string): string {
    const parameters = JSON.stringify({ localPortNumber: [String(this.options.localPort)] });
    return [
      'aws ssm start-session',
      `--region ${this.options.region}`,
      `--target ${instanceId}`,
      `--document-name ${this.options.sessionDocument}`,
      `--parameters '${parameters}'`,
    ].join(' ');
  }

  /** The request's instance in any state (terminated ones stay visible for about an hour). */
  private async findByRequest(requestId: string): Promise<{ id: string; state: string } | undefined> {
    const out = await this.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${BASTION_TAGS.managedBy}`, Values: [this.options.managedBy] },
          { Name: `tag:${BASTION_TAGS.requestId}`, Values: [tagValue(requestId)] },
        ],
      }),
    );
    const instances = out.Reservations?.flatMap((r) => r.Instances ?? []).filter((i) => i.InstanceId) ?? [];
    const live = instances.find((i) => i.State?.Name === 'pending' || i.State?.Name === 'running') ?? instances[0];
    return live?.InstanceId ? { id: live.InstanceId, state: live.State?.Name ?? 'pending' } : undefined;
  }

  private async findByClientToken(token: string): Promise<string | undefined> {
    const out = await this.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'client-token', Values: [token] }] }));
    return out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId && i.State?.Name !== 'terminated')?.InstanceId;
  }

  /** The newest AL2023 AMI (SSM public parameter), cached one hour; the warm pool recycles on it. */
  async latestAmi(): Promise<string> {
    if (this.amiCache && this.clock.now() - this.amiCache.at < 3_600_000) return this.amiCache.id;
    const out = await this.ssm.send(new GetParameterCommand({ Name: this.options.amiParameter }));
    const id = out.Parameter?.Value;
    if (!id || !/^ami-[0-9a-f]+$/.test(id)) throw new BastionError(`SSM parameter ${this.options.amiParameter} holds no AMI id`);
    this.amiCache = { id, at: this.clock.now() };
    return id;
  }

  /** RunInstances in each subnet in turn while EC2 reports no capacity there. */
  private async launch(input: BastionOpenInput): Promise<string> {
    const imageId = await this.latestAmi();
    const groupId = await this.ensureGroup(input, this.tags(input));
    const failures: string[] = [];
    for (const [index, subnetId] of this.options.subnetIds.entries()) {
      const run = this.runInput(input, imageId, subnetId, index, groupId);
      try {
        const out = await this.ec2.send(new RunInstancesCommand(run));
        const id = out.Instances?.[0]?.InstanceId;
        if (!id) throw new BastionError(`RunInstances for request ${input.requestId} returned no instance`);
        return id;
      } catch (err) {
        const name = awsErrorName(err);
        // The token was used by an earlier attempt with other inputs (a newer AMI): that launch is ours.
        if (name === 'IdempotentParameterMismatch') {
          const earlier = await this.findByClientToken(run.ClientToken ?? '');
          if (earlier) return earlier;
        }
        if (!name || !CAPACITY_ERRORS.has(name)) throw err;
        failures.push(`${subnetId}: ${name}`);
      }
    }
    throw new BastionError(`no capacity for a ${this.options.instanceType} bastion in any configured subnet (${failures.join('; ')})`);
  }

  /** Tags of the bastion, its volume and its group; the boot script reads the deadline and the target from them. */
  tags(input: BastionOpenInput): Tag[] {
    return [
      { Key: 'Name', Value: tagValue(`dbre-bastion-${input.requestId}`) },
      { Key: BASTION_TAGS.managedBy, Value: this.options.managedBy },
      { Key: BASTION_TAGS.requestId, Value: tagValue(input.requestId) },
      { Key: BASTION_TAGS.requester, Value: tagValue(input.requester) },
      { Key: BASTION_TAGS.clusterId, Value: tagValue(input.clusterId) },
      { Key: BASTION_TAGS.endsAt, Value: input.endsAt.toISOString() },
      { Key: BASTION_TAGS.targetHost, Value: input.target.host },
      { Key: BASTION_TAGS.targetPort, Value: String(input.target.port) },
    ];
  }

  runInput(input: BastionOpenInput, imageId: string, subnetId: string, subnetIndex: number, groupId: string): RunInstancesCommandInput {
    const tags = this.tags(input);
    const userData = bastionUserData({
      requestId: input.requestId,
      graceMinutes: this.options.graceMinutes,
      proxyPort: this.options.proxyPort ?? BASTION_DEFAULTS.proxyPort,
    });
    const profile = this.options.instanceProfile.startsWith('arn:') ? { Arn: this.options.instanceProfile } : { Name: this.options.instanceProfile };
    return {
      // The request id makes a retried call return the first instance; a later subnet is a
      // different launch, so it gets its own (still deterministic) token.
      ClientToken: subnetIndex === 0 ? input.requestId : `${input.requestId}-${subnetIndex}`,
      ImageId: imageId,
      InstanceType: this.options.instanceType as RunInstancesCommandInput['InstanceType'],
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
      SecurityGroupIds: [this.options.securityGroupId, groupId],
      IamInstanceProfile: profile,
      InstanceInitiatedShutdownBehavior: 'terminate',
      // IMDSv2 only; instance tags in IMDS: the failsafe and the proxy read dbre:ends-at and dbre:target-*.
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' },
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/xvda',
          Ebs: { Encrypted: true, DeleteOnTermination: true, VolumeType: 'gp3', ...(this.options.kmsKeyId ? { KmsKeyId: this.options.kmsKeyId } : {}) },
        },
      ],
      UserData: Buffer.from(userData, 'utf8').toString('base64'),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
    };
  }

  /** Bounded backoff until the SSM agent reports Online; otherwise terminate and fail. */
  private async waitOnline(instanceId: string, requestId: string): Promise<void> {
    const online = await pollWithBackoff(
      async () => {
        const out = await this.ssm.send(
          new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }),
        );
        return out.InstanceInformationList?.some((i) => i.InstanceId === instanceId && i.PingStatus === 'Online') ?? false;
      },
      this.options.online,
      this.clock,
    );
    if (online) return;
    try {
      await this.close(instanceId);
    } catch (err) {
      throw new BastionError(
        `bastion ${instanceId} for request ${requestId} never came online in SSM within ${Math.round(this.options.online.timeoutMs / 1000)} s, and terminating it failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    throw new BastionError(
      `bastion ${instanceId} for request ${requestId} never came online in SSM within ${Math.round(this.options.online.timeoutMs / 1000)} s; it was terminated`,
    );
  }
}
