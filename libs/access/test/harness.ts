import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { accessPolicySchema, createAccessRequest, type AccessPolicyInput, type AccessRequest, type AuditKind, type RequestState } from '@dbre/domain';
import {
  createFolderEvidenceStore,
  createForwarderBastion,
  createForwarderHost,
  createLocalSecretStore,
  createOutboxNotifier,
  createServerAuditSource,
  createStaticInventory,
  type ClusterTarget,
  type FolderEvidenceStore,
  type ForwarderHost,
  type LocalOutbox,
} from '@dbre/drivers';
import { createGrantAdmin, type GrantAdmin } from '@dbre/mysql';
import { ACCESS_JOB_IDS, createQueue, enqueue, type JobContext, type TypedQueue } from '@dbre/queue';
import { createAuditLog, createRequestRepository, type RequestRepository } from '@dbre/store';
import { captureLogger, startTestDynamo, testServices, uniqueName } from '@dbre/testing';
import type { EvidenceDeps, WorkerDeps } from '../src';

// Shared by the lifecycle tests of libs/access: the real store on dynalite, the real grant admin on
// the local MariaDB (users under a random prefix, a random database), the local forwarder bastion,
// secret store and outbox, and real BullMQ queues on Redis under a random prefix.

export const REQUESTER = 'dave.jones@example.com';
export const APPROVER = 'alice@example.com';
export const MINUTE_MS = 1000;

const admin = { user: testServices.mysql.user, password: testServices.mysql.password };
const endpoint = { host: testServices.mysql.host, port: testServices.mysql.port };

export function localCluster(id: string, environment: ClusterTarget['environment'] = 'dev', extra: Partial<ClusterTarget> = {}): ClusterTarget {
  return { id, environment, engine: 'mariadb', endpoint, instances: [], admin, ...extra };
}

export interface HarnessOptions {
  /** More inventory entries besides `devdb`. */
  clusters?: ClusterTarget[];
  policy?: Partial<AccessPolicyInput>;
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export async function startHarness(options: HarnessOptions = {}) {
  const store = await startTestDynamo();
  const { dynamo } = store;
  const { logger, text: logText, lines: logLines } = captureLogger('access-test', 'info');
  const userPrefix = `u${randomBytes(3).toString('hex')}_`;
  const database = uniqueName('acc_db');
  const otherDatabase = uniqueName('acc_other');
  const root = await mysql.createConnection({ ...testServices.mysql, multipleStatements: true });
  for (const db of [database, otherDatabase]) {
    await root.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO \`${db}\`.t VALUES (1, 'one')`);
  }
  const clusters = new Map([localCluster('devdb'), ...(options.clusters ?? [])].map((c) => [c.id, c]));
  const inventory = { list: async () => [...clusters.values()], get: async (id: string) => clusters.get(id) };

  const policy = accessPolicySchema.parse({
    profiles: { read: { privileges: ['SELECT'] }, write: { includes: ['read'], privileges: ['INSERT', 'UPDATE'] }, views: { privileges: ['SELECT', 'SHOW VIEW'] } },
    groups: { dbre: [APPROVER, 'bob@example.com'] },
    environments: {
      dev: { defaultMinutes: 5, maxMinutes: 60, approvers: ['group:dbre'] },
      stg: { defaultMinutes: 5, maxMinutes: 60, approvers: ['group:dbre'] },
      prod: { defaultMinutes: 5, maxMinutes: 60, approvers: ['group:dbre'], approvalsRequired: 2 },
    },
    warnBeforeMinutes: 2,
    dbUser: { prefix: userPrefix },
    ...options.policy,
  });

  const redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const prefix = uniqueName('acct');
  const queues = {
    provision: createQueue('provision', redis, { prefix }),
    warn: createQueue('warn', redis, { prefix }),
    revoke: createQueue('revoke', redis, { prefix }),
    renotify: createQueue('renotify', redis, { prefix }),
  };
  const sweepQueue = createQueue('sweep', redis, { prefix });
  /** Not in `queues`: a test opts in to sealing in a job of its own (`queues: { ...h.queues, seal: h.sealQueue }`). */
  const sealQueue = createQueue('seal', redis, { prefix });
  const key = randomBytes(32);
  const requests: RequestRepository = createRequestRepository({ dynamo, logger });
  const audit = createAuditLog({ dynamo });
  const outbox: LocalOutbox = await createOutboxNotifier({ dynamo, key, logger });
  const secrets = createLocalSecretStore({ dynamo, key });
  const host: ForwarderHost = await createForwarderHost({ dynamo, logger, reconcileMs: 60_000 });
  const bastion = await createForwarderBastion({ dynamo, host, redis, prefix });
  const grantAdmin: GrantAdmin = createGrantAdmin({ userPrefix, logger, connectTimeoutMs: 2000 });

  const deps: WorkerDeps = { requests, audit, policy, inventory, notifier: outbox, queues, admin: grantAdmin, bastion, secrets };

  let seq = 0;
  /** A request stored as `requested` (its `requested` event), for `devdb` and the harness database by default. */
  async function requested(input: Record<string, unknown> = {}, now = new Date()): Promise<AccessRequest> {
    const clusterId = (input['clusterId'] as string | undefined) ?? 'devdb';
    const env = clusters.get(clusterId)?.environment ?? 'dev';
    seq++;
    const id = `01JACC${randomBytes(6).toString('hex').toUpperCase().replace(/[ILOU]/g, 'X')}${String(seq).padStart(8, '0')}`;
    const r = createAccessRequest(
      policy,
      { requester: { email: REQUESTER, displayName: 'Dave' }, clusterId, database, profile: 'read', durationMinutes: 3, reason: 'investigate INC-77 slow checkout', ...input },
      { id: clusterId, environment: env },
      now,
      id,
      { minuteMs: MINUTE_MS },
    );
    return requests.create(r, [{ key: 'requested', kind: 'requested', actor: REQUESTER }]);
  }

  /** A request approved by APPROVER (the `requested` and `approved` events). */
  async function approved(input: Record<string, unknown> = {}, now = new Date()): Promise<AccessRequest> {
    const r = await requested(input, now);
    return requests.applyTransitionOrThrow(r, { type: 'approve', by: { email: APPROVER } }, now, [{ key: `approved:${APPROVER}`, kind: 'approved', actor: APPROVER }]);
  }

  /**
   * An approved request taken up to `step` (or `active`) by the same writes and events the provisioner makes, without
   * running it: the tests of revoke, compensation and the sweep then do not depend on (or cover) provision.ts.
   */
  async function provisionedUpTo(step: 'claimed' | 'resources' | 'user' | 'active', input: Record<string, unknown> = {}, clock: () => Date = () => new Date()): Promise<AccessRequest> {
    let r = await approved(input);
    const cluster = clusters.get(r.target.clusterId);
    if (!cluster) throw new Error(`no cluster ${r.target.clusterId}`);
    r = await requests.applyTransitionOrThrow(r, { type: 'start_provisioning' }, clock(), [{ key: 'provisioning_started', kind: 'provisioning_started', actor: 'provisioner' }]);
    if (step === 'claimed') return r;
    const secretId = `dbre/access/${r.id}`;
    const password = `Fixture-${randomBytes(12).toString('hex')}`;
    await secrets.put(secretId, password, { requestId: r.id });
    const handle = await bastion.open({ requestId: r.id, requester: r.requester.email, clusterId: cluster.id, target: cluster.endpoint, endsAt: new Date(clock().getTime() + r.durationMinutes * MINUTE_MS) });
    const dbUser = `${userPrefix}g_${r.id.slice(-8).toLowerCase()}`;
    r = await requests.applyTransitionOrThrow(r, { type: 'record_resources', resources: { bastionId: handle.bastionId, connect: handle.connect, secretId, dbUser, dbHost: '%' } }, clock(), [
      { key: 'bastion_created', kind: 'bastion_created', actor: 'provisioner', data: { bastionId: handle.bastionId, connect: handle.connect } },
      { key: 'secret_stored', kind: 'secret_stored', actor: 'provisioner', data: { secretId } },
    ]);
    if (step === 'resources') return r;
    await grantAdmin.createUser(cluster, { user: dbUser, password, database: r.target.database, privileges: r.privileges });
    if (step === 'user') return r;
    const activated = await requests.applyTransitionOrThrow(r, { type: 'activate' }, clock(), (next) => [
      { key: 'user_created', kind: 'user_created', actor: 'provisioner', data: { dbUser, cluster: cluster.id, database: r.target.database, privileges: r.privileges } },
      { key: 'credentials_delivered', kind: 'credentials_delivered', actor: 'provisioner', data: { notificationId: `credentials-${r.id}`, to: r.requester.email } },
      { key: 'activated', kind: 'activated', actor: 'provisioner', data: { endsAt: next.endsAt, failsafeEvent: false } },
    ]);
    // The revoke job at the end, as the provisioner leaves it (the warning is the tests' business).
    const endsAt = activated.endsAt!;
    await enqueue(queues.revoke, { requestId: r.id, reason: 'expired' }, { jobId: ACCESS_JOB_IDS.revoke(r.id), delay: Math.max(0, Date.parse(endsAt) - clock().getTime()) });
    return activated;
  }

  /** An active grant: a database user with its password in the secret store, an open forwarder (see provisionedUpTo). */
  const active = (input: Record<string, unknown> = {}, clock?: () => Date) => provisionedUpTo('active', input, clock);

  async function kinds(id: string): Promise<AuditKind[]> {
    return (await audit.list(id)).map((e) => e.kind);
  }

  async function platformUsers(): Promise<string[]> {
    const [rows] = await root.query<mysql.RowDataPacket[]>("SELECT User AS u FROM mysql.user WHERE User LIKE ? ESCAPE '\\\\' ORDER BY User", [`${userPrefix.replace(/_/g, '\\_')}%`]);
    return rows.map((r) => String(r['u']));
  }

  async function grantsOf(user: string): Promise<string[]> {
    const [rows] = await root.query<mysql.RowDataPacket[]>('SHOW GRANTS FOR ?@?', [user, '%']);
    return rows.map((r) => String(Object.values(r)[0]));
  }

  /** Logs in as `user` through `port` (the forwarder) and runs `sql`. */
  async function loginAndQuery(user: string, password: string, sql: string, port = endpoint.port): Promise<unknown[]> {
    const conn = await mysql.createConnection({ host: '127.0.0.1', port, user, password, database, connectTimeout: 5000 });
    try {
      const [rows] = await conn.query(sql);
      return rows as unknown[];
    } finally {
      await conn.end();
    }
  }

  /** A JobContext over a real job of `queue` (no lock token: the job is not taken by a worker). */
  async function jobContext<K extends 'provision' | 'revoke' | 'warn'>(queue: TypedQueue<K>, payload: Parameters<typeof enqueue<K>>[1], opts: { attempts?: number; jobId?: string } = {}): Promise<JobContext & { job: Job }> {
    const job = await enqueue(queue, payload, { ...(opts.jobId ? { jobId: opts.jobId } : { jobId: uniqueName('job') }), ...(opts.attempts ? { attempts: opts.attempts } : {}), delay: 3_600_000 });
    return { job, logger };
  }

  async function close(): Promise<void> {
    await host.close();
    await grantAdmin.close();
    for (const q of [...Object.values(queues), sweepQueue, sealQueue]) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
    redis.disconnect();
    for (const u of await platformUsers()) await root.query('DROP USER IF EXISTS ?@?', [u, '%']);
    for (const db of [database, otherDatabase]) await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await root.end();
    await store.close();
  }

  return {
    deps,
    store,
    dynamo,
    logger,
    logText,
    logLines,
    policy,
    userPrefix,
    database,
    otherDatabase,
    root,
    redis,
    prefix,
    /** The secret store's and the outbox's key (a worker process built in a test is given it). */
    key,
    queues,
    sweepQueue,
    sealQueue,
    requests,
    audit,
    outbox,
    secrets,
    host,
    bastion,
    admin: grantAdmin,
    clusters,
    requested,
    approved,
    provisionedUpTo,
    active,
    kinds,
    platformUsers,
    grantsOf,
    loginAndQuery,
    jobContext,
    close,
  };
}

/** Parses the credentials text of the one renderer (host, port, user, password). */
export function parseCredentials(text: string) {
  const m = /^mysql -h (\S+) -P (\d+) -u (\S+) -p\b.*$/m.exec(text);
  const p = /^Password: (\S+)$/m.exec(text);
  if (!m || !p) throw new Error('no credentials in the message');
  return { host: m[1]!, port: Number(m[2]), user: m[3]!, password: p[1]! };
}

/** Evidence deps over a folder store and the local server audit log (what the lifecycle seals). */
export async function folderEvidence(): Promise<{ evidence: EvidenceDeps; store: FolderEvidenceStore; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'access-evidence-'));
  const store = createFolderEvidenceStore({ root: dir });
  const evidence: EvidenceDeps = { auditSource: createServerAuditSource({ inventory: createStaticInventory([localCluster('devdb')]) }), store, settleMs: 60_000 };
  return { evidence, store, cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 5 }) };
}

/** The real object (a queue, a repository) with some of its methods replaced: one fault where a test wants it. */
export function withMethods<T extends object>(real: T, replaced: Partial<T>): T {
  return Object.assign(Object.create(real) as T, replaced);
}

/** A repository whose listings answer one request per page (each call reported to `onList`): callers must follow the cursor. */
export function onePerPage(requests: RequestRepository, onList: (state: RequestState) => void = () => undefined): RequestRepository {
  return {
    ...requests,
    listByState: (state, options = {}) => {
      onList(state);
      return requests.listByState(state, { ...options, limit: 1 });
    },
  };
}
