import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type DBCluster, type RDSClient, type Tag } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { ClusterCredential, ClusterTarget, HostPort, Inventory } from '../ports';
import { awsErrorName, realClock, type Clock } from './backoff';

/** Cluster tags the inventory reads. */
export const RDS_TAGS = {
  /** Overrides the cluster id (default: DBClusterIdentifier). */
  clusterId: 'dbre:cluster-id',
  environment: 'dbre:environment',
  description: 'dbre:description',
  /** Secret (name or ARN) with the admin login, instead of the RDS-managed master secret. */
  adminSecret: 'dbre:admin-secret',
  /** Secret with a read-only login for the doc-crawler. */
  readerSecret: 'dbre:reader-secret',
} as const;

export interface RdsInventoryOptions {
  regions: readonly string[];
  /** Only clusters carrying this tag (and value) belong to the fleet. */
  tagKey: string;
  tagValue: string;
  /**
   * `resolve` reads admin/reader secrets; `omit` returns the master user name with an empty
   * password, for services that never log in (their task roles then need no secret access).
   */
  credentials: 'resolve' | 'omit';
  /** How long a list (and its secrets) is reused. */
  cacheTtlMs: number;
  /** Called for each cluster left out, with the reason (missing tag, unreadable secret...). */
  onSkip?: (clusterIdentifier: string, reason: string) => void;
  /** PEM CA bundle (the RDS global bundle): every cluster is then reached over verified TLS. */
  tlsCa?: string;
  /** Called for each region that did not answer; its clusters are left out of that listing. */
  onRegionError?: (region: string, error: unknown) => void;
}

/** The clusters of one or more regions could not be listed. */
export class InventoryRegionError extends Error {
  constructor(
    message: string,
    readonly regions: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InventoryRegionError';
  }
}

export interface RdsRegionClients {
  rds: RDSClient;
  secrets: SecretsManagerClient;
}

const CLUSTER_ID = /^[a-z][a-z0-9-]{1,62}$/;
const SETUP_ERRORS = new Set(['ResourceNotFoundException', 'AccessDeniedException', 'DecryptionFailure', 'InvalidRequestException']);

class CredentialError extends Error {}
const ENVIRONMENTS = ['dev', 'stg', 'prod'] as const;
const secretJson = z.object({ username: z.string().min(1), password: z.string() });

function tag(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

function engineOf(engine: string | undefined): ClusterTarget['engine'] | undefined {
  if (engine === 'aurora-mysql') return 'aurora-mysql';
  if (engine === 'mysql') return 'mysql';
  if (engine === 'mariadb') return 'mariadb';
  return undefined;
}

/** Inventory on AWS: Aurora MySQL clusters across regions, tagged as part of the fleet. */
export class RdsInventory implements Inventory {
  private cache?: { at: number; targets: ClusterTarget[] };
  private failed: string[] = [];
  private loading?: Promise<ClusterTarget[]>;

  constructor(
    private readonly clients: (region: string) => RdsRegionClients,
    private readonly options: RdsInventoryOptions,
    private readonly clock: Clock = realClock,
  ) {
    if (options.regions.length === 0) throw new Error('RdsInventory needs at least one region');
  }

  async list(): Promise<ClusterTarget[]> {
    if (this.cache && this.clock.now() - this.cache.at < this.options.cacheTtlMs) return this.cache.targets;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /**
   * A cluster by id. When it is not listed while a region failed, that is not "unknown": it
   * throws InventoryRegionError naming the regions, so a caller retries instead of refusing.
   */
  async get(clusterId: string): Promise<ClusterTarget | undefined> {
    const found = (await this.list()).find((c) => c.id === clusterId);
    if (!found && this.failed.length) {
      throw new InventoryRegionError(`cluster ${clusterId} is not listed and region(s) ${this.failed.join(', ')} did not answer`, [...this.failed]);
    }
    return found;
  }

  /** Regions whose listing failed in the last load (empty when every region answered). */
  failedRegions(): string[] {
    return [...this.failed];
  }

  /**
   * Every region is listed in parallel; one that fails (throttling, an outage) is left out and
   * reported, and the others are still served. Only when every region fails does the listing
   * fail. A partial listing is not cached: the next call asks the failed region again.
   */
  private async load(): Promise<ClusterTarget[]> {
    const settled = await Promise.allSettled(this.options.regions.map((region) => this.loadRegion(region)));
    const failed: string[] = [];
    const perRegion: ClusterTarget[][] = [];
    settled.forEach((result, i) => {
      const region = this.options.regions[i] ?? String(i);
      if (result.status === 'fulfilled') perRegion.push(result.value);
      else {
        failed.push(region);
        this.options.onRegionError?.(region, result.reason);
      }
    });
    this.failed = failed;
    if (failed.length === this.options.regions.length) {
      const first = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      throw new InventoryRegionError(`no region answered (${failed.join(', ')})`, failed, { cause: first?.reason });
    }
    const targets = perRegion.flat().sort((a, b) => a.id.localeCompare(b.id));
    const seen = new Set<string>();
    const unique = targets.filter((t) => {
      if (seen.has(t.id)) {
        this.options.onSkip?.(t.id, 'duplicate cluster id across regions; set a distinct dbre:cluster-id tag');
        return false;
      }
      seen.add(t.id);
      return true;
    });
    if (failed.length === 0) this.cache = { at: this.clock.now(), targets: unique };
    return unique;
  }

  private async loadRegion(region: string): Promise<ClusterTarget[]> {
    const { rds, secrets } = this.clients(region);
    const clusters: DBCluster[] = [];
    let Marker: string | undefined;
    do {
      const out = await rds.send(new DescribeDBClustersCommand({ Marker, MaxRecords: 100 }));
      for (const cluster of out.DBClusters ?? []) {
        if (tag(cluster.TagList, this.options.tagKey) === this.options.tagValue) clusters.push(cluster);
      }
      Marker = out.Marker;
    } while (Marker);
    if (clusters.length === 0) return [];
    const instances = await this.instanceEndpoints(rds);
    const targets = await Promise.all(clusters.map((c) => this.toTarget(region, c, instances, secrets)));
    return targets.filter((t): t is ClusterTarget => t !== undefined);
  }

  /** Every instance endpoint of the region, by cluster (sessions are killed on each), and each cluster's VPC. */
  private async instanceEndpoints(rds: RDSClient): Promise<Map<string, HostPort[]> & { vpcs?: Map<string, string> }> {
    const byCluster: Map<string, HostPort[]> & { vpcs?: Map<string, string> } = new Map<string, HostPort[]>();
    const vpcs = new Map<string, string>();
    byCluster.vpcs = vpcs;
    let Marker: string | undefined;
    do {
      const out = await rds.send(new DescribeDBInstancesCommand({ Marker, MaxRecords: 100 }));
      for (const instance of out.DBInstances ?? []) {
        const cluster = instance.DBClusterIdentifier;
        const host = instance.Endpoint?.Address;
        if (cluster && instance.DBSubnetGroup?.VpcId) vpcs.set(cluster, instance.DBSubnetGroup.VpcId);
        if (!cluster || !host) continue;
        const list = byCluster.get(cluster) ?? [];
        list.push({ host, port: instance.Endpoint?.Port ?? 3306 });
        byCluster.set(cluster, list);
      }
      Marker = out.Marker;
    } while (Marker);
    for (const list of byCluster.values()) list.sort((a, b) => a.host.localeCompare(b.host));
    return byCluster;
  }

  private async toTarget(
    region: string,
    cluster: DBCluster,
    instances: Map<string, HostPort[]> & { vpcs?: Map<string, string> },
    secrets: SecretsManagerClient,
  ): Promise<ClusterTarget | undefined> {
    const identifier = cluster.DBClusterIdentifier ?? '(unnamed)';
    const skip = (reason: string) => {
      this.options.onSkip?.(identifier, reason);
      return undefined;
    };
    const id = tag(cluster.TagList, RDS_TAGS.clusterId) ?? identifier;
    if (!CLUSTER_ID.test(id)) return skip(`cluster id ${JSON.stringify(id)} is not lower-case letters, digits and dashes`);
    const environment = tag(cluster.TagList, RDS_TAGS.environment);
    if (!ENVIRONMENTS.includes(environment as (typeof ENVIRONMENTS)[number])) {
      return skip(`tag ${RDS_TAGS.environment} must be dev, stg or prod (found ${JSON.stringify(environment)})`);
    }
    const engine = engineOf(cluster.Engine);
    if (!engine) return skip(`engine ${cluster.Engine ?? '?'} is not MySQL-compatible`);
    if (!cluster.Endpoint) return skip('cluster has no writer endpoint');
    const port = cluster.Port ?? 3306;

    let admin: ClusterCredential;
    let reader: ClusterCredential | undefined;
    const adminSecret = tag(cluster.TagList, RDS_TAGS.adminSecret) ?? cluster.MasterUserSecret?.SecretArn;
    if (this.options.credentials === 'omit') {
      admin = { user: cluster.MasterUsername ?? '', password: '' };
    } else {
      if (!adminSecret) return skip(`no admin credentials: no RDS-managed master secret and no ${RDS_TAGS.adminSecret} tag`);
      try {
        admin = await readCredential(secrets, adminSecret);
        const readerSecret = tag(cluster.TagList, RDS_TAGS.readerSecret);
        if (readerSecret) reader = await readCredential(secrets, readerSecret);
      } catch (err) {
        // A missing, forbidden or malformed secret is this cluster's set-up problem: leave it out.
        // Anything else (throttling, network) fails the listing so callers retry, rather than
        // acting on a fleet that silently lost clusters.
        if (!(err instanceof CredentialError) && !SETUP_ERRORS.has(awsErrorName(err) ?? '')) throw err;
        return skip(`cannot read credentials: ${(err as Error).message}`);
      }
    }
    const description = tag(cluster.TagList, RDS_TAGS.description);
    return {
      id,
      environment: environment as ClusterTarget['environment'],
      engine,
      ...(description ? { description } : {}),
      endpoint: { host: cluster.Endpoint, port },
      instances: instances.get(identifier) ?? [],
      admin,
      ...(reader ? { reader } : {}),
      ...(this.options.tlsCa ? { tls: { ca: this.options.tlsCa } } : {}),
      // DescribeDBClusters is authoritative: no list means nothing is exported.
      logExports: [...(cluster.EnabledCloudwatchLogsExports ?? [])].sort(),
      placement: {
        region,
        ...(instances.vpcs?.get(identifier) ? { vpcId: instances.vpcs.get(identifier) } : {}),
        securityGroupIds: (cluster.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])).sort(),
        availabilityZones: [...(cluster.AvailabilityZones ?? [])].sort(),
      },
    };
  }
}

/** A login from a secret holding `{"username": ..., "password": ...}` (the RDS format). */
async function readCredential(secrets: SecretsManagerClient, secretId: string): Promise<ClusterCredential> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.SecretString ?? '');
  } catch {
    throw new CredentialError(`secret ${secretId} is not JSON`);
  }
  const result = secretJson.safeParse(parsed);
  if (!result.success) throw new CredentialError(`secret ${secretId} lacks username/password`);
  return { user: result.data.username, password: result.data.password };
}
