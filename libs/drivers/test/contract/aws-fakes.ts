import { randomBytes } from 'node:crypto';
import {
  AuthorizeSecurityGroupEgressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  type CreateSecurityGroupCommandInput,
  type DescribeSecurityGroupsCommandInput,
  type SecurityGroup,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type DescribeInstancesCommandInput,
  type Instance,
  type RunInstancesCommandInput,
  type TerminateInstancesCommandInput,
  type Tag,
} from '@aws-sdk/client-ec2';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient, type DBCluster, type DBInstance } from '@aws-sdk/client-rds';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  type CreateSecretCommandInput,
  type DeleteSecretCommandInput,
  type GetSecretValueCommandInput,
  type PutSecretValueCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { DescribeInstanceInformationCommand, DescribeSessionsCommand, GetParameterCommand, SSMClient, type DescribeInstanceInformationCommandInput } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { ClusterTarget } from '../../src/ports';

/**
 * Stateful in-memory stand-ins for the AWS APIs the drivers call, answering like AWS does
 * (error names, idempotency tokens, pagination), so the contract suites can run the AWS drivers.
 * Each `install` mocks every client of that class until `restore`.
 */

const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });

export function installEc2SsmFake() {
  const ec2 = mockClient(EC2Client);
  const ssm = mockClient(SSMClient);
  const instances = new Map<string, Instance>();
  const byToken = new Map<string, string>();

  const groups = new Map<string, SecurityGroup>();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0abc1234def567890' } });
  // Security groups: names are unique per VPC (InvalidGroup.Duplicate); a new group allows all egress.
  ec2.on(CreateSecurityGroupCommand).callsFake((input: CreateSecurityGroupCommandInput) => {
    if ([...groups.values()].some((g) => g.GroupName === input.GroupName && g.VpcId === input.VpcId)) throw awsError('InvalidGroup.Duplicate');
    const id = `sg-0${randomBytes(8).toString('hex')}`;
    groups.set(id, { GroupId: id, GroupName: input.GroupName, VpcId: input.VpcId, Tags: input.TagSpecifications?.[0]?.Tags ?? [], IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] });
    return { GroupId: id };
  });
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input: DescribeSecurityGroupsCommandInput) => {
    let found = [...groups.values()];
    for (const f of input.Filters ?? []) {
      const values = f.Values ?? [];
      if (f.Name === 'group-name') found = found.filter((g) => values.includes(g.GroupName ?? ''));
      else if (f.Name === 'vpc-id') found = found.filter((g) => values.includes(g.VpcId ?? ''));
      else if (f.Name?.startsWith('tag:')) found = found.filter((g) => g.Tags?.some((t) => t.Key === f.Name?.slice(4) && values.includes(t.Value ?? '')));
      else throw awsError('InvalidParameterValue', `fake does not know filter ${f.Name}`);
    }
    return { SecurityGroups: found };
  });
  ec2.on(RevokeSecurityGroupEgressCommand).callsFake((input: { GroupId?: string }) => {
    const g = groups.get(input.GroupId ?? '');
    if (!g) throw awsError('InvalidGroup.NotFound');
    g.IpPermissionsEgress = [];
    return { Return: true };
  });
  ec2.on(AuthorizeSecurityGroupEgressCommand).callsFake((input: { GroupId?: string; IpPermissions?: SecurityGroup['IpPermissionsEgress'] }) => {
    const g = groups.get(input.GroupId ?? '');
    if (!g) throw awsError('InvalidGroup.NotFound');
    g.IpPermissionsEgress = [...(g.IpPermissionsEgress ?? []), ...(input.IpPermissions ?? [])];
    return { Return: true };
  });
  ec2.on(DeleteSecurityGroupCommand).callsFake((input: { GroupId?: string }) => {
    if (!groups.delete(input.GroupId ?? '')) throw awsError('InvalidGroup.NotFound');
    return {};
  });
  ec2.on(CreateTagsCommand).callsFake((input: { Resources?: string[]; Tags?: Tag[] }) => {
    for (const id of input.Resources ?? []) {
      const instance = instances.get(id);
      if (!instance) throw awsError('InvalidInstanceID.NotFound');
      const keys = new Set((input.Tags ?? []).map((t) => t.Key));
      instance.Tags = [...(instance.Tags ?? []).filter((t) => !keys.has(t.Key)), ...(input.Tags ?? [])];
    }
    return {};
  });
  ssm.on(DescribeSessionsCommand).resolves({ Sessions: [] });
  ec2.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => {
    const known = input.ClientToken ? byToken.get(input.ClientToken) : undefined;
    if (known) return { Instances: [instances.get(known)] };
    const id = `i-0${randomBytes(8).toString('hex')}`;
    const instance: Instance = {
      InstanceId: id,
      State: { Name: 'running' },
      LaunchTime: new Date(),
      SubnetId: input.SubnetId,
      ...(input.ImageId ? { ImageId: input.ImageId } : {}),
      Tags: input.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags ?? [],
    };
    instances.set(id, instance);
    if (input.ClientToken) byToken.set(input.ClientToken, id);
    return { Instances: [instance] };
  });
  ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    let found = [...instances.values()];
    if (input.InstanceIds) {
      const missing = input.InstanceIds.filter((id) => !instances.has(id));
      if (missing.length) throw awsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
      found = found.filter((i) => input.InstanceIds?.includes(i.InstanceId ?? ''));
    }
    for (const filter of input.Filters ?? []) {
      const values = filter.Values ?? [];
      if (filter.Name === 'instance-state-name') found = found.filter((i) => values.includes(i.State?.Name ?? ''));
      else if (filter.Name?.startsWith('tag:')) {
        const key = filter.Name.slice(4);
        found = found.filter((i) => i.Tags?.some((t) => t.Key === key && values.includes(t.Value ?? '')));
      } else throw awsError('InvalidParameterValue', `fake does not know filter ${filter.Name}`);
    }
    return { Reservations: found.map((i) => ({ Instances: [i] })) };
  });
  ec2.on(TerminateInstancesCommand).callsFake((input: TerminateInstancesCommandInput) => {
    for (const id of input.InstanceIds ?? []) {
      const instance = instances.get(id);
      if (!instance) throw awsError('InvalidInstanceID.NotFound');
      instance.State = { Name: 'terminated' };
    }
    return { TerminatingInstances: [] };
  });
  ssm.on(DescribeInstanceInformationCommand).callsFake((input: DescribeInstanceInformationCommandInput) => {
    const ids = input.Filters?.find((f) => f.Key === 'InstanceIds')?.Values ?? [];
    return {
      InstanceInformationList: ids
        .map((id) => instances.get(id))
        .filter((i): i is Instance => i?.State?.Name === 'running')
        .map((i) => ({ InstanceId: i.InstanceId, PingStatus: 'Online' as const })),
    };
  });
  // The AMI the parameter names, published 2026-11-20 (DescribeImages CreationDate is an ISO string).
  ec2.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => ({
    Images: (input.ImageIds ?? []).filter((id) => id === 'ami-0abc1234def567890').map((id) => ({ ImageId: id, CreationDate: '2026-11-20T00:00:00.000Z' })),
  }));
  return {
    instances,
    groups,
    /** The client mocks, for tests that assert the commands sent. */
    ec2,
    ssm,
    restore: () => {
      ec2.restore();
      ssm.restore();
    },
  };
}

/**
 * Secrets Manager as documented (API reference, DeleteSecret, ForceDeleteWithoutRecovery;
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html):
 * - "Secrets Manager performs the actual deletion with an asynchronous background process, so
 *   there might be a short delay before the secret is permanently deleted": a deleted secret stays
 *   visible, marked for deletion (GetSecretValue/PutSecretValue/CreateSecret of that name answer
 *   InvalidRequestException), until `purge()`.
 * - "If you forcibly delete an already deleted or nonexistent secret, the operation does not
 *   return ResourceNotFoundException".
 */
export function installSecretsManagerFake() {
  const sm = mockClient(SecretsManagerClient);
  const secrets = new Map<string, { value: string; tags: Array<{ Key?: string; Value?: string }>; deleted?: boolean }>();
  sm.on(CreateSecretCommand).callsFake((input: CreateSecretCommandInput) => {
    const name = input.Name ?? '';
    if (secrets.get(name)?.deleted) throw awsError('InvalidRequestException', `You can't create this secret because a secret with this name is already scheduled for deletion.`);
    if (secrets.has(name)) throw awsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    secrets.set(name, { value: input.SecretString ?? '', tags: input.Tags ?? [] });
    return { Name: name, ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf` };
  });
  sm.on(PutSecretValueCommand).callsFake((input: PutSecretValueCommandInput) => {
    const secret = secrets.get(input.SecretId ?? '');
    if (!secret) throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (secret.deleted) throw awsError('InvalidRequestException', 'You can\'t perform this operation on the secret because it was marked for deletion.');
    secret.value = input.SecretString ?? '';
    return {};
  });
  sm.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) => {
    const secret = secrets.get(input.SecretId ?? '');
    if (!secret) throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (secret.deleted) throw awsError('InvalidRequestException', 'You can\'t perform this operation on the secret because it was marked for deletion.');
    return { Name: input.SecretId, SecretString: secret.value };
  });
  sm.on(DeleteSecretCommand).callsFake((input: DeleteSecretCommandInput) => {
    if (!input.ForceDeleteWithoutRecovery) throw awsError('InvalidParameterException', 'the fake only models forced deletion');
    const secret = secrets.get(input.SecretId ?? '');
    if (secret) secret.deleted = true;
    return { Name: input.SecretId, DeletionDate: new Date() };
  });
  return {
    secrets,
    sm,
    /** The background deletion has run: deleted secrets are gone for good. */
    purge: () => {
      for (const [name, s] of secrets) if (s.deleted) secrets.delete(name);
    },
    restore: () => sm.restore(),
  };
}

/**
 * RDS as the platform expects it to be set up: each fleet cluster tagged, its admin login in the
 * RDS-managed master secret, an optional reader secret named by a tag. One cluster per page.
 */
export function installRdsFake(fleet: readonly ClusterTarget[], secrets: Map<string, { value: string; tags: Array<{ Key?: string; Value?: string }> }>) {
  const rds = mockClient(RDSClient);
  const clusters: DBCluster[] = [];
  const members: DBInstance[] = [];
  for (const c of fleet) {
    const identifier = `${c.id}-cluster`;
    const master = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-${c.id}`;
    secrets.set(master, { value: JSON.stringify({ username: c.admin.user, password: c.admin.password }), tags: [] });
    const tags = [
      { Key: 'dbre:fleet', Value: 'true' },
      { Key: 'dbre:cluster-id', Value: c.id },
      { Key: 'dbre:environment', Value: c.environment },
      ...(c.description ? [{ Key: 'dbre:description', Value: c.description }] : []),
    ];
    if (c.reader) {
      secrets.set(`dbre/reader/${c.id}`, { value: JSON.stringify({ username: c.reader.user, password: c.reader.password }), tags: [] });
      tags.push({ Key: 'dbre:reader-secret', Value: `dbre/reader/${c.id}` });
    }
    clusters.push({
      DBClusterIdentifier: identifier,
      Engine: c.engine,
      Endpoint: c.endpoint.host,
      Port: c.endpoint.port,
      MasterUsername: c.admin.user,
      MasterUserSecret: { SecretArn: master, SecretStatus: 'active' },
      TagList: tags,
    });
    for (const i of c.instances) members.push({ DBClusterIdentifier: identifier, Endpoint: { Address: i.host, Port: i.port } });
  }
  clusters.push({ DBClusterIdentifier: 'not-in-fleet', Engine: 'aurora-mysql', Endpoint: 'x', TagList: [] });
  const page = <T>(items: T[], marker: string | undefined) => {
    const index = marker ? Number(marker) : 0;
    return { items: items.slice(index, index + 1), next: index + 1 < items.length ? String(index + 1) : undefined };
  };
  rds.on(DescribeDBClustersCommand).callsFake((input: { Marker?: string }) => {
    const p = page(clusters, input.Marker);
    return { DBClusters: p.items, Marker: p.next };
  });
  rds.on(DescribeDBInstancesCommand).callsFake((input: { Marker?: string }) => {
    const p = page(members, input.Marker);
    return { DBInstances: p.items, Marker: p.next };
  });
  return { restore: () => rds.restore() };
}
