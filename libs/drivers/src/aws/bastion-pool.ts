import { randomUUID } from 'node:crypto';
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
  type RunInstancesCommandInput,
  type Tag,
} from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, TABLES, type Dynamo } from '@dbre/store';
import type { Bastion, BastionHandle, BastionInfo, BastionOpenInput } from '../ports';
import { awsErrorName, pollWithBackoff, realClock, type Clock } from './backoff';
import { BASTION_DEFAULTS, BASTION_TAGS, BastionError, type BastionAmiAge, type Ec2SsmBastion, type Ec2SsmBastionOptions } from './ec2-ssm-bastion';
import { poolUserData } from './pool-user-data';
import { POOL_DEFAULTS } from './settings';

export { POOL_DEFAULTS };

/** Tag of a warm-pool instance: its pool (`<vpc>/<subnet>`); IAM lets the workers start, stop and re-tag only these. */
export const POOL_TAG = 'dbre:pool';
/** `dbre:ends-at` of a stopped pool instance: not a date, so the failsafe ignores it until a claim writes the grant's end. */
export const POOL_STANDBY = 'standby';

export interface BastionPoolSettings {
  /** Stopped instances kept per subnet (one subnet per AZ); a subnet absent or at 0 has no pool. */
  sizes: ReadonlyMap<string, number>;
  /** Available instances launched longer ago than this are recycled. */
  maxAgeMs: number;
  warmupMs: number;
  /** How long one refill run waits for its launches to come online and stop. */
  refillWaitMs: number;
}

export interface PoolLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export type PoolStatus = 'launching' | 'stopping' | 'available' | 'claimed' | 'in-use' | 'failed' | 'retiring';

/** One pool instance as the table keeps it. */
export interface PoolItem {
  instanceId: string;
  pool: string;
  subnetId: string;
  imageId: string;
  status: PoolStatus;
  launchedAt: string;
  readyAt?: string;
  /** Set only while available (the sparse `available` index). */
  availableIn?: string;
  requestId?: string;
  claimedAt?: string;
  startRequestedAt?: string;
}

export interface RefillReport {
  pool: string;
  launched: string[];
  adopted: string[];
  stopped: string[];
  available: string[];
  recycled: string[];
  terminatedStrays: string[];
  forgotten: string[];
  /** Why a step could not be done (capacity, an API error); the next run tries again. */
  problems: string[];
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const HOSTNAME = /^[A-Za-z0-9.-]{1,253}$/;
const LISTING_LAG_MS = 5 * 60_000;
const WARM: ReadonlySet<PoolStatus> = new Set(['launching', 'stopping', 'available']);
const HELD: ReadonlySet<PoolStatus> = new Set(['claimed', 'in-use']);

function tagOf(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

function message(err: unknown): string {
  return err instanceof Error ? `${awsErrorName(err) ?? err.name}: ${err.message}` : String(err);
}

/**
 * The bastion driver with a warm pool in front of the cold path. A request claims a stopped,
 * pre-booted instance of the pool with a conditional write, gets its own security group and tags,
 * and starts it; it is used by that request only and terminated at close. An empty pool or an
 * instance that does not start falls back to `Ec2SsmBastion.open` (the failed one is terminated).
 * `refill()` (the reaper's job) keeps every pool at its size.
 */
export class PooledBastion implements Bastion {
  private readonly table: string;

  constructor(
    private readonly ec2: EC2Client,
    private readonly ssm: SSMClient,
    private readonly dynamo: Dynamo,
    private readonly cold: Ec2SsmBastion,
    private readonly options: Ec2SsmBastionOptions,
    private readonly settings: BastionPoolSettings,
    private readonly clock: Clock = realClock,
    private readonly logger?: PoolLogger,
  ) {
    this.table = `${dynamo.tablePrefix}${TABLES.bastionPool.name}`;
    for (const [subnet, size] of settings.sizes) {
      if (!options.subnetIds.includes(subnet)) throw new BastionError(`bastion pool size given for ${subnet}, which is not one of the bastion subnets (${options.subnetIds.join(', ')})`);
      if (!Number.isInteger(size) || size < 0 || size > 50) throw new BastionError(`bastion pool size of ${subnet} must be an integer from 0 to 50, got ${size}`);
    }
  }

  /** The pool key of a subnet: `<vpc>/<subnet>`. */
  poolOf(subnetId: string): string {
    return `${this.options.vpcId}/${subnetId}`;
  }

  private pooledSubnets(): string[] {
    return this.options.subnetIds.filter((s) => (this.settings.sizes.get(s) ?? 0) > 0);
  }

  async open(input: BastionOpenInput): Promise<BastionHandle> {
    if (!HOSTNAME.test(input.target.host)) throw new BastionError(`invalid target host ${JSON.stringify(input.target.host)}`);
    if (input.endsAt.getTime() <= this.clock.now()) throw new BastionError(`request ${input.requestId} has already ended; no bastion opened`);
    const mine = await this.itemsOfRequest(input.requestId);
    // A claimed instance already failed for this request: its bastion is the cold one.
    if (mine.some((i) => i.status === 'failed')) return this.cold.open(input);
    const item = mine.find((i) => HELD.has(i.status)) ?? (await this.claim(input.requestId));
    if (!item) {
      this.logger?.info({ requestId: input.requestId }, 'bastion pool empty: cold launch');
      return this.cold.open(input);
    }
    try {
      return await this.startClaimed(item, input);
    } catch (err) {
      this.logger?.warn({ requestId: input.requestId, bastionId: item.instanceId, err: { message: message(err) } }, 'claimed pool bastion did not start: terminating it, cold launch');
      await this.discard(item, input.requestId);
      return this.cold.open(input);
    }
  }

  /** Takes one available instance for the request: a conditional write, so two claimers never get the same one. */
  async claim(requestId: string): Promise<PoolItem | undefined> {
    for (const subnetId of this.pooledSubnets()) {
      const out = await this.dynamo.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'available',
          KeyConditionExpression: 'availableIn = :p',
          ExpressionAttributeValues: { ':p': this.poolOf(subnetId) },
          ScanIndexForward: false,
          Limit: 10,
        }),
      );
      for (const candidate of (out.Items ?? []) as PoolItem[]) {
        // The table names instances; only well-formed ids go on to EC2 (IAM limits them to pool instances).
        if (!INSTANCE_ID.test(candidate.instanceId)) continue;
        try {
          const updated = await this.dynamo.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { instanceId: candidate.instanceId },
              ConditionExpression: '#s = :available AND attribute_not_exists(requestId)',
              UpdateExpression: 'SET #s = :claimed, requestId = :r, claimedAt = :now REMOVE availableIn',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: { ':available': 'available', ':claimed': 'claimed', ':r': requestId, ':now': new Date(this.clock.now()).toISOString() },
              ReturnValues: 'ALL_NEW',
            }),
          );
          return updated.Attributes as PoolItem;
        } catch (err) {
          if (!isConditionalCheckFailed(err)) throw err;
          // Another claimer was first (the index lags the table): try the next one.
        }
      }
    }
    return undefined;
  }

  /**
   * StartInstances first, then, while it boots: its own group (egress: the cluster only) and the
   * request's tags; ready once SSM has a ping from after the start. Nothing needs them at boot: the
   * base group reaches only SSM, the failsafe ignores `standby` until the next minute's read, and
   * the proxy reads its target at the first connection.
   */
  private async startClaimed(item: PoolItem, input: BastionOpenInput): Promise<BastionHandle> {
    const id = item.instanceId;
    if (item.status !== 'in-use') {
      const startedAt = await this.markStartRequested(item, input.requestId);
      await this.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
      const requestTags = this.cold.tags(input);
      const groupId = await this.cold.ensureGroup(input, requestTags);
      await this.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: [this.options.securityGroupId, groupId] }));
      // managed-by is there since the launch (IAM lets no claim change it); dbre:request-id comes last,
      // once online: until then a failure leaves no instance the cold path would take for the request's.
      await this.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: requestTags.filter((t) => t.Key !== BASTION_TAGS.requestId && t.Key !== BASTION_TAGS.managedBy) }));
      const online = await pollWithBackoff(() => this.onlineSince(id, startedAt), this.options.online, this.clock);
      if (!online) throw new BastionError(`pool bastion ${id} did not come online in SSM within ${Math.round(this.options.online.timeoutMs / 1000)} s of its start`);
      await this.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: requestTags.filter((t) => t.Key === BASTION_TAGS.requestId) }));
      await this.setStatus(id, 'claimed', 'in-use', input.requestId);
    }
    return { bastionId: id, connect: { host: '127.0.0.1', port: this.options.localPort }, connectCommand: this.cold.connectCommand(id) };
  }

  /** The first start time of this claim (kept across retries, so a retry does not wait for a newer ping). */
  private async markStartRequested(item: PoolItem, requestId: string): Promise<number> {
    const out = await this.dynamo.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { instanceId: item.instanceId },
        ConditionExpression: 'requestId = :r',
        UpdateExpression: 'SET startRequestedAt = if_not_exists(startRequestedAt, :now)',
        ExpressionAttributeValues: { ':r': requestId, ':now': new Date(this.clock.now()).toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Date.parse((out.Attributes as PoolItem).startRequestedAt ?? '');
  }

  /** Online, with a ping after the start: the Online of before the stop is stale. */
  private async onlineSince(instanceId: string, since: number): Promise<boolean> {
    const out = await this.ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
    return (out.InstanceInformationList ?? []).some((i) => i.InstanceId === instanceId && i.PingStatus === 'Online' && (i.LastPingDateTime?.getTime() ?? 0) >= since);
  }

  private async setStatus(instanceId: string, from: PoolStatus, to: PoolStatus, requestId: string): Promise<void> {
    try {
      await this.dynamo.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { instanceId },
          ConditionExpression: '#s = :from AND requestId = :r',
          UpdateExpression: 'SET #s = :to',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':from': from, ':to': to, ':r': requestId },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /** A claimed instance that did not start: terminated, and kept as `failed` so a retried open goes cold. */
  private async discard(item: PoolItem, requestId: string): Promise<void> {
    await this.cold.close(item.instanceId);
    await this.setStatus(item.instanceId, 'claimed', 'failed', requestId);
  }

  async extend(bastionId: string, endsAt: Date): Promise<void> {
    await this.cold.extend(bastionId, endsAt);
  }

  /** Per-request groups whose instance is gone (the sweep); see Ec2SsmBastion.deleteOrphanGroups. */
  async deleteOrphanGroups(): Promise<string[]> {
    return this.cold.deleteOrphanGroups();
  }

  /** The AMI age of every live bastion, the idle pool included (the freshness rule). */
  async amiAges(): Promise<BastionAmiAge[]> {
    return this.cold.amiAges();
  }

  /** Terminates the bastion and every pool instance its request claimed (never back to the pool). */
  async close(bastionId: string): Promise<void> {
    if (!INSTANCE_ID.test(bastionId)) return this.cold.close(bastionId);
    const own = (await this.dynamo.doc.send(new GetCommand({ TableName: this.table, Key: { instanceId: bastionId }, ConsistentRead: true }))).Item as PoolItem | undefined;
    const items = own?.requestId ? await this.itemsOfRequest(own.requestId) : own ? [own] : [];
    const ids = [...new Set([bastionId, ...items.map((i) => i.instanceId)])].sort();
    for (const id of ids) await this.cold.close(id);
    for (const item of items) await this.forget(item);
  }

  /** Bastions of requests: tagged ones, plus pool instances claimed but not yet tagged; never the idle pool. */
  async list(): Promise<BastionInfo[]> {
    const found = (await this.cold.list()).filter((b) => b.requestId !== '');
    const seen = new Set(found.map((b) => b.bastionId));
    for (const subnetId of this.pooledSubnets()) {
      for (const item of await this.poolItems(this.poolOf(subnetId))) {
        if (!HELD.has(item.status) || !item.requestId || seen.has(item.instanceId)) continue;
        found.push({ bastionId: item.instanceId, requestId: item.requestId, createdAt: new Date(item.claimedAt ?? item.launchedAt) });
      }
    }
    return found;
  }

  /** Every pool, brought to its size; one pool's failure does not stop the others. */
  async refill(): Promise<RefillReport[]> {
    const reports: RefillReport[] = [];
    for (const subnetId of this.pooledSubnets()) {
      try {
        reports.push(await this.refillPool(subnetId));
      } catch (err) {
        reports.push({ pool: this.poolOf(subnetId), launched: [], adopted: [], stopped: [], available: [], recycled: [], terminatedStrays: [], forgotten: [], problems: [message(err)] });
      }
    }
    return reports;
  }

  /**
   * One pool: forget records of vanished instances; adopt (newest AMI, still warming) or terminate
   * instances launched but never recorded; recycle available ones older than maxAge or not on the
   * newest AMI; launch up to the size; then move launches through online -> stopped -> available.
   * Idempotent: every step re-reads EC2 and the table, every transition is conditional.
   */
  async refillPool(subnetId: string): Promise<RefillReport> {
    const pool = this.poolOf(subnetId);
    const report: RefillReport = { pool, launched: [], adopted: [], stopped: [], available: [], recycled: [], terminatedStrays: [], forgotten: [], problems: [] };
    // Two reapers (or a run outlasting the interval) must not both top the pool up.
    const lease = await this.takeLease(pool);
    if (!lease) {
      report.problems.push(`another refill of ${pool} is running`);
      return report;
    }
    try {
      return await this.refillLeased(subnetId, pool, report);
    } finally {
      await this.releaseLease(pool, lease);
    }
  }

  private leaseKey(pool: string): string {
    return `refill-lease:${pool}`;
  }

  /** A lease item (no `pool` attribute, so in no index): taken when absent or expired. */
  private async takeLease(pool: string): Promise<string | undefined> {
    const holder = randomUUID();
    const now = this.clock.now();
    try {
      await this.dynamo.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { instanceId: this.leaseKey(pool), holder, expiresAt: now + this.settings.refillWaitMs + 300_000 },
          ConditionExpression: 'attribute_not_exists(instanceId) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return holder;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  private async releaseLease(pool: string, holder: string): Promise<void> {
    try {
      await this.dynamo.doc.send(new DeleteCommand({ TableName: this.table, Key: { instanceId: this.leaseKey(pool) }, ConditionExpression: 'holder = :h', ExpressionAttributeValues: { ':h': holder } }));
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  private async refillLeased(subnetId: string, pool: string, report: RefillReport): Promise<RefillReport> {
    const size = this.settings.sizes.get(subnetId) ?? 0;
    const latest = await this.cold.latestAmi();
    const now = this.clock.now();
    const instances = new Map((await this.poolInstances(pool)).map((i) => [i.InstanceId ?? '', i]));
    let items = await this.poolItems(pool);
    const recorded = new Set(items.map((i) => i.instanceId));

    for (const [id, instance] of instances) {
      if (recorded.has(id) || tagOf(instance.Tags, BASTION_TAGS.requestId)) continue;
      const warming = instance.State?.Name === 'pending' || instance.State?.Name === 'running';
      const young = now - (instance.LaunchTime?.getTime() ?? 0) < this.settings.warmupMs;
      if (warming && young && instance.ImageId === latest) {
        const item: PoolItem = { instanceId: id, pool, subnetId, imageId: latest, status: 'launching', launchedAt: (instance.LaunchTime ?? new Date(now)).toISOString() };
        if (await this.record(item)) {
          items.push(item);
          report.adopted.push(id);
        }
      } else {
        await this.terminate(id);
        report.terminatedStrays.push(id);
      }
    }

    const kept: PoolItem[] = [];
    for (const item of items) {
      // DescribeInstances is eventually consistent: a launch of the last minutes may not be listed yet.
      const gone = !instances.has(item.instanceId) && now - Date.parse(item.launchedAt) > LISTING_LAG_MS;
      const stale = item.status === 'failed' && now - Date.parse(item.claimedAt ?? item.launchedAt) > this.settings.maxAgeMs;
      if ((gone && (WARM.has(item.status) || item.status === 'retiring')) || (gone && stale)) {
        if (await this.forget(item)) report.forgotten.push(item.instanceId);
        continue;
      }
      const old = now - Date.parse(item.launchedAt) > this.settings.maxAgeMs || item.imageId !== latest;
      const neverReady = (item.status === 'launching' || item.status === 'stopping') && now - Date.parse(item.launchedAt) > this.settings.warmupMs;
      if ((item.status === 'available' && old) || neverReady || item.status === 'retiring') {
        if (await this.retire(item)) report.recycled.push(item.instanceId);
        continue;
      }
      kept.push(item);
    }
    items = kept;

    const warm = items.filter((i) => WARM.has(i.status)).length;
    for (let n = warm; n < size; n++) {
      try {
        const item = await this.launch(subnetId, latest);
        items.push(item);
        report.launched.push(item.instanceId);
      } catch (err) {
        report.problems.push(`launch in ${subnetId}: ${message(err)}`);
        break;
      }
    }

    const deadline = this.clock.now() + this.settings.refillWaitMs;
    for (;;) {
      for (const item of items) {
        if (item.status === 'launching' && (await this.onlineSince(item.instanceId, 0))) {
          await this.ec2.send(new CreateTagsCommand({ Resources: [item.instanceId], Tags: [{ Key: BASTION_TAGS.endsAt, Value: POOL_STANDBY }] }));
          await this.ec2.send(new StopInstancesCommand({ InstanceIds: [item.instanceId] }));
          if (await this.transition(item, 'launching', 'stopping')) report.stopped.push(item.instanceId);
        } else if (item.status === 'stopping' && (await this.instanceState(item.instanceId)) === 'stopped') {
          if (await this.transition(item, 'stopping', 'available', { availableIn: pool, readyAt: new Date(this.clock.now()).toISOString() })) report.available.push(item.instanceId);
        }
      }
      if (!items.some((i) => i.status === 'launching' || i.status === 'stopping') || this.clock.now() >= deadline) break;
      await this.clock.sleep(1_000);
    }
    if (report.launched.length || report.recycled.length || report.terminatedStrays.length || report.problems.length) this.logger?.info({ ...report }, 'bastion pool refilled');
    return report;
  }

  private async launch(subnetId: string, imageId: string): Promise<PoolItem> {
    const pool = this.poolOf(subnetId);
    const tags: Tag[] = [
      { Key: 'Name', Value: 'dbre-bastion-pool' },
      { Key: BASTION_TAGS.managedBy, Value: this.options.managedBy },
      { Key: POOL_TAG, Value: pool },
      { Key: BASTION_TAGS.endsAt, Value: new Date(this.clock.now() + this.settings.warmupMs).toISOString() },
    ];
    const profile = this.options.instanceProfile.startsWith('arn:') ? { Arn: this.options.instanceProfile } : { Name: this.options.instanceProfile };
    const run: RunInstancesCommandInput = {
      ClientToken: randomUUID(),
      ImageId: imageId,
      InstanceType: this.options.instanceType as RunInstancesCommandInput['InstanceType'],
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
      // The base group only (SSM): a claim adds the request's group, whose egress is its cluster.
      SecurityGroupIds: [this.options.securityGroupId],
      IamInstanceProfile: profile,
      InstanceInitiatedShutdownBehavior: 'terminate',
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' },
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, DeleteOnTermination: true, VolumeType: 'gp3', ...(this.options.kmsKeyId ? { KmsKeyId: this.options.kmsKeyId } : {}) } },
      ],
      UserData: Buffer.from(poolUserData({ graceMinutes: this.options.graceMinutes, proxyPort: this.options.proxyPort ?? BASTION_DEFAULTS.proxyPort }), 'utf8').toString('base64'),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
    };
    const out = await this.ec2.send(new RunInstancesCommand(run));
    const instanceId = out.Instances?.[0]?.InstanceId;
    if (!instanceId) throw new BastionError(`RunInstances for pool ${pool} returned no instance`);
    // A crash before this write leaves a tagged, unrecorded instance: the next run adopts or terminates it.
    const item: PoolItem = { instanceId, pool, subnetId, imageId, status: 'launching', launchedAt: new Date(this.clock.now()).toISOString() };
    await this.record(item);
    return item;
  }

  private async record(item: PoolItem): Promise<boolean> {
    try {
      await this.dynamo.doc.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(instanceId)' }));
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  private async transition(item: PoolItem, from: PoolStatus, to: PoolStatus, set: Partial<PoolItem> = {}): Promise<boolean> {
    const names: Record<string, string> = { '#s': 'status' };
    const values: Record<string, unknown> = { ':from': from, ':to': to };
    const sets = ['#s = :to'];
    for (const [k, v] of Object.entries(set)) {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    try {
      await this.dynamo.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { instanceId: item.instanceId },
          ConditionExpression: '#s = :from',
          UpdateExpression: `SET ${sets.join(', ')}${to === 'available' ? '' : ' REMOVE availableIn'}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      Object.assign(item, set, { status: to });
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** available/launching/stopping -> retiring (no claim can take it now), terminate, forget. */
  private async retire(item: PoolItem): Promise<boolean> {
    if (item.status !== 'retiring' && !(await this.transition(item, item.status, 'retiring'))) return false;
    await this.terminate(item.instanceId);
    return this.forget(item);
  }

  private async forget(item: PoolItem): Promise<boolean> {
    try {
      await this.dynamo.doc.send(new DeleteCommand({ TableName: this.table, Key: { instanceId: item.instanceId }, ConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': item.status } }));
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  private async terminate(instanceId: string): Promise<void> {
    try {
      await this.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    } catch (err) {
      if (awsErrorName(err) !== 'InvalidInstanceID.NotFound') throw err;
    }
  }

  private async instanceState(instanceId: string): Promise<string | undefined> {
    const out = await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return out.Reservations?.flatMap((r) => r.Instances ?? [])[0]?.State?.Name;
  }

  /** Live instances carrying this pool's tag (all pages). */
  private async poolInstances(pool: string): Promise<Instance[]> {
    const found: Instance[] = [];
    let NextToken: string | undefined;
    do {
      const out = await this.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: `tag:${BASTION_TAGS.managedBy}`, Values: [this.options.managedBy] },
            { Name: `tag:${POOL_TAG}`, Values: [pool] },
            { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
          ],
          MaxResults: 1000,
          NextToken,
        }),
      );
      found.push(...(out.Reservations?.flatMap((r) => r.Instances ?? []) ?? []).filter((i) => i.InstanceId));
      NextToken = out.NextToken;
    } while (NextToken);
    return found;
  }

  private async poolItems(pool: string): Promise<PoolItem[]> {
    const items: PoolItem[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.doc.send(new QueryCommand({ TableName: this.table, IndexName: 'by-pool', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'pool' }, ExpressionAttributeValues: { ':p': pool }, ExclusiveStartKey }));
      items.push(...((out.Items ?? []) as PoolItem[]));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  private async itemsOfRequest(requestId: string): Promise<PoolItem[]> {
    const out = await this.dynamo.doc.send(new QueryCommand({ TableName: this.table, IndexName: 'by-request', KeyConditionExpression: 'requestId = :r', ExpressionAttributeValues: { ':r': requestId } }));
    return (out.Items ?? []) as PoolItem[];
  }
}
