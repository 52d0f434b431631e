/**
 * The cloud-facing parts of the platform, each behind a small interface with a local
 * implementation (the embedded default) and an AWS one. Callers depend on these only.
 */

export interface HostPort {
  host: string;
  port: number;
}

export interface ClusterCredential {
  user: string;
  password: string;
}

/** One target cluster as the platform sees it. */
export interface ClusterTarget {
  id: string;
  environment: 'dev' | 'stg' | 'prod';
  engine: 'aurora-mysql' | 'mysql' | 'mariadb';
  description?: string;
  /** Writer endpoint. */
  endpoint: HostPort;
  /** Every instance endpoint (sessions are killed on each). Empty: the writer only. */
  instances: HostPort[];
  /** Creates and drops the one-off users. */
  admin: ClusterCredential;
  /** Read-only login for the doc-crawler; admin when absent. */
  reader?: ClusterCredential;
  /**
   * Where the cluster lives (AWS inventory): its region, VPC and security groups. A bastion is
   * launched in that region and VPC, and its egress goes to those groups (same region only:
   * groups cannot be referenced across regions). Absent for local clusters.
   */
  placement?: ClusterPlacement;
  /** TLS to the cluster, the server certificate verified against `ca` (PEM; on AWS the RDS CA bundle). */
  tls?: ClusterTls;
  /** Log types the cluster exports to CloudWatch Logs (AWS inventory; `audit` for Advanced Auditing). Absent: unknown. */
  logExports?: string[];
}

export interface ClusterTls {
  /** PEM certificate authorities the server certificate must chain to. */
  ca: string;
}

export interface ClusterPlacement {
  region: string;
  vpcId?: string;
  securityGroupIds: string[];
  /** Availability zones of the cluster's subnet group. */
  availabilityZones: string[];
}

/** Where the fleet comes from: a config file locally, RDS on AWS. */
export interface Inventory {
  list(): Promise<ClusterTarget[]>;
  /** undefined when the cluster is unknown. */
  get(clusterId: string): Promise<ClusterTarget | undefined>;
}

export interface BastionOpenInput {
  requestId: string;
  requester: string;
  clusterId: string;
  target: HostPort;
  endsAt: Date;
  /**
   * Where the bastion may connect (AWS: its own security group's only egress besides SSM): the
   * cluster's security groups (same VPC) or CIDRs. Absent: the driver's configured database CIDRs.
   */
  egress?: { securityGroupIds?: readonly string[]; cidrs?: readonly string[] };
  /**
   * Where the cluster lives (AWS inventory): the bastion is launched in its region and VPC when a
   * bastion network is configured there; security groups are used for egress only in the same VPC.
   */
  placement?: ClusterPlacement;
}

export interface BastionHandle {
  /** Stable id of the bastion (forwarder id or EC2 instance id). */
  bastionId: string;
  /** What the engineer connects to (local: 127.0.0.1:port). */
  connect: HostPort;
  /** The exact command to hand the engineer (empty when a direct connection works). */
  connectCommand: string;
}

export interface BastionInfo {
  bastionId: string;
  requestId: string;
  createdAt: Date;
}

/** An ephemeral way in, alive only while the grant is active. Every method is idempotent. */
export interface Bastion {
  /** Opening twice for the same request returns the same bastion. */
  open(input: BastionOpenInput): Promise<BastionHandle>;
  /** Closing an unknown or closed bastion succeeds. Live sessions through it are ended first. */
  close(bastionId: string): Promise<void>;
  /**
   * Moves the bastion's own deadline after an extension (AWS: the instance's `dbre:ends-at` tag,
   * which its failsafe re-reads every minute). Absent where the bastion has no deadline of its own.
   */
  extend?(bastionId: string, endsAt: Date): Promise<void>;
  /** Every bastion this platform created that still exists (for the sweep's orphan search). */
  list(): Promise<BastionInfo[]>;
  /** The image age of every live bastion (AWS), for the sweep's AMI-age gauge. */
  amiAges?(): Promise<BastionAmiAge[]>;
  /** Removes per-bastion security groups whose instance is gone (AWS); returns their ids. */
  deleteOrphanGroups?(): Promise<string[]>;
}

/** One live bastion's image, for the "vulnerabilities are patched" rule (report and alert). */
export interface BastionAmiAge {
  bastionId: string;
  requestId: string;
  /** Region the bastion runs in. */
  region: string;
  imageId: string;
  /** When the image was published (DescribeImages CreationDate); undefined when the image is gone. */
  imageCreatedAt?: Date;
  /** Whole days since the image was published; undefined with imageCreatedAt. */
  ageDays?: number;
  /** The instance runs the image the AMI parameter names now. */
  newest: boolean;
}

export interface SecretTags {
  requestId: string;
  [key: string]: string;
}

/** Secrets of one-off users. put is idempotent; delete of a missing secret succeeds. */
export interface SecretStore {
  put(secretId: string, value: string, tags: SecretTags): Promise<void>;
  get(secretId: string): Promise<string | undefined>;
  delete(secretId: string): Promise<void>;
}

export interface Notification {
  /** Deterministic id (e.g. `credentials:<requestId>`): sending twice is harmless. */
  id: string;
  kind: string;
  /** Slack user id, channel or e-mail of the recipient. */
  to: string;
  text: string;
  requestId?: string;
  /** Structured extras for richer channels (Block Kit, dashboard). Never secrets unless `sensitive`. */
  data?: Record<string, unknown>;
  /** The text carries a credential: log and outbox must not keep it in clear. */
  sensitive?: boolean;
}

export interface Notifier {
  send(notification: Notification): Promise<void>;
}

export type SinkWriteResult = 'written' | 'unchanged';

/** Where generated docs go: a folder locally, S3 on AWS. Writes only changed content. */
export interface DocSink {
  write(path: string, content: string | Buffer, contentType: string): Promise<SinkWriteResult>;
  read(path: string): Promise<Buffer | undefined>;
  list(prefix: string): Promise<string[]>;
  /** Deletes a page that is no longer generated (a dropped table); optional, false when absent. */
  remove?(path: string): Promise<boolean>;
}

/** What the database audit log says happened on one connection. */
export type AuditRecordKind = 'connect' | 'disconnect' | 'failed_connect' | 'query' | 'other';

/** One record of a database audit log (MariaDB `server_audit` or Aurora Advanced Auditing). */
export interface AuditRecord {
  /** ISO time (UTC); MariaDB logs whole seconds, Aurora microseconds (kept to the millisecond). */
  at: string;
  /** Instance that logged it (`serverhost`). */
  server: string;
  user: string;
  /** Client host as the server saw it. */
  host: string;
  connectionId: number;
  queryId: number;
  kind: AuditRecordKind;
  /** The log's own word: CONNECT, QUERY, DISCONNECT, FAILED_CONNECT, READ, ... */
  operation: string;
  /** Default database of the connection ('' when none). */
  database: string;
  /** The statement as logged (passwords masked by the server); only for queries. */
  statement?: string;
  /** 0 = success; otherwise the server's error number. */
  resultCode: number;
}

export interface AuditQuery {
  clusterId: string;
  /** The database user (one per grant, so one request). */
  user: string;
  from: Date;
  to: Date;
  signal?: AbortSignal;
}

export interface AuditRecords {
  /** Every record of the user in [from, to], sorted by time, connection and query id. */
  records: AuditRecord[];
  /** Where they came from, e.g. `mariadb-server-audit:/var/lib/mysql/server_audit.log`. */
  source: string;
  /** Why the records may be incomplete (audit logging off, events not logged, files rotated away). */
  warnings: string[];
}

/** The database's own audit log, filtered to one user: MariaDB's file locally, CloudWatch Logs on AWS. */
export interface AuditSource {
  records(query: AuditQuery): Promise<AuditRecords>;
}

/** An SSM session on a grant's bastion (AWS), as Session Manager reports it. */
export interface BastionSession {
  sessionId: string;
  owner?: string;
  target?: string;
  startedAt?: string;
  endedAt?: string;
  status?: string;
}

export interface EvidencePutOptions {
  contentType: string;
  /** Hex SHA-256 of the body, stored beside it (S3 checks it on upload). */
  sha256: string;
}

/** Write-once storage for evidence and anchors: a folder locally, S3 with Object Lock on AWS. */
export interface EvidenceStore {
  /** Creates the object; throws EvidenceExistsError when the key already exists (never overwrites). */
  put(key: string, body: Buffer, options: EvidencePutOptions): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  /** Every key under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}
