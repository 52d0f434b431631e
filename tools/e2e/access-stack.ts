/**
 * The whole access lifecycle in one process for end-to-end tests: request-api and approval-api
 * (inject), provisioner and reaper workers, the forwarder host, real Redis, real MariaDB and an
 * in-process dynalite, all under unique names. A platform file is written too, so a test can run
 * a service as a real child process against the same store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { stringify } from 'yaml';
import { accessPolicySchema, forDeployment, type AccessPolicyInput, type AccessRequest } from '@dbre/domain';
import { createForwarderBastion, createForwarderHost, createLocalSecretStore, createOutboxNotifier, createStaticInventory, type ClusterTarget, type ForwarderHost, type HostPort } from '@dbre/drivers';
import { closeWorker, createQueue } from '@dbre/queue';
import { createLifecycle, type HttpApp, type Logger } from '@dbre/service-kit';
import { createAuditLog, createRequestRepository } from '@dbre/store';
import { captureLogger, startTestDynamo, testServices, uniqueName, waitFor } from '@dbre/testing';
import { buildApp as buildRequestApi } from '../../apps/request-api/src/app';
import { buildApp as buildApprovalApi } from '../../apps/approval-api/src/app';
import { createProvisionerWorkers } from '../../apps/provisioner/src/workers';
import { createGrantAdmin } from '@dbre/mysql';
import { createReaperWorkers } from '../../apps/reaper/src/workers';

export const TOKEN = `e2e-${randomBytes(16).toString('hex')}`;
export const ALICE = 'alice@example.com';
export const BOB = 'bob@example.com';
export const CAROL = 'carol@example.com'; // approver, also a requester
export const DAVE = 'dave@example.com'; // not an approver

export interface StackOptions {
  /** One policy minute, ms (grants are `durationMinutes` of these). */
  minuteMs?: number;
  redisUrl?: string;
  /** Where the cluster is reached (a TcpProxy in front of MariaDB to simulate an outage). */
  clusterEndpoint?: HostPort;
  /** Run the provisioner workers in this process (false: a test spawns it). */
  provisioner?: boolean;
  reaper?: boolean;
  sweepEveryMs?: number;
  stuckAfterMs?: number;
  warnBeforeMinutes?: number;
  reviewExpiryMinutes?: number;
  /** The policy's user prefix (random by default); two stacks given the same one share it. */
  userPrefix?: string;
  /** The deployment id (DEPLOYMENT_ID): users are named `<userPrefix><id>_…`. */
  deploymentId?: string;
}

export type AccessStack = Awaited<ReturnType<typeof startAccessStack>>;

export async function startAccessStack(options: StackOptions = {}) {
  const minuteMs = options.minuteMs ?? 2000;
  const redisUrl = options.redisUrl ?? testServices.redisUrl;
  const { logger, text: logText } = captureLogger('e2e', 'info');
  const store = await startTestDynamo();
  const { dynamo } = store;
  const prefix = uniqueName('acc');
  const basePrefix = options.userPrefix ?? `e${randomBytes(2).toString('hex')}_`;
  const dbTag = `e${randomBytes(3).toString('hex')}_`;
  const granted = `${dbTag}granted`;
  const other = `${dbTag}other`;
  const key = randomBytes(32);

  const root = await mysql.createConnection({ ...testServices.mysql, multipleStatements: true });
  for (const db of [granted, other]) {
    await root.query(`CREATE DATABASE \`${db}\``);
    await root.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO \`${db}\`.t VALUES (1, 'one')`);
  }

  const endpoint = options.clusterEndpoint ?? { host: testServices.mysql.host, port: testServices.mysql.port };
  const clusters: ClusterTarget[] = [
    { id: 'devdb', environment: 'dev', engine: 'mariadb', endpoint, instances: [], admin: { user: testServices.mysql.user, password: testServices.mysql.password } },
    { id: 'proddb', environment: 'prod', engine: 'mariadb', endpoint, instances: [], admin: { user: testServices.mysql.user, password: testServices.mysql.password } },
  ];
  const policyInput: AccessPolicyInput = {
    profiles: { read: { privileges: ['SELECT', 'SHOW VIEW'] }, write: { includes: ['read'], privileges: ['INSERT', 'UPDATE', 'DELETE'] } },
    groups: { dbre: [ALICE, BOB, CAROL] },
    environments: {
      dev: { defaultMinutes: 1, maxMinutes: 10, approvers: ['group:dbre'], approvalsRequired: 1 },
      stg: { defaultMinutes: 1, maxMinutes: 10, approvers: ['group:dbre'], approvalsRequired: 1 },
      prod: { defaultMinutes: 1, maxMinutes: 10, approvers: ['group:dbre'], approvalsRequired: 2 },
    },
    reviewExpiryMinutes: options.reviewExpiryMinutes ?? 60,
    warnBeforeMinutes: options.warnBeforeMinutes ?? 1,
    dbUser: { prefix: basePrefix },
  };
  const parsedPolicy = accessPolicySchema.parse(policyInput);
  const policy = options.deploymentId ? forDeployment(parsedPolicy, options.deploymentId) : parsedPolicy;
  const userPrefix = policy.dbUser.prefix;
  const dir = mkdtempSync(path.join(tmpdir(), 'dbre-e2e-'));
  const platformFile = path.join(dir, 'platform.yaml');
  writeFileSync(
    platformFile,
    stringify({ clusters: clusters.map((c) => ({ id: c.id, environment: c.environment, engine: c.engine, endpoint: c.endpoint, admin: c.admin })), access: policyInput }),
  );
  const inventory = createStaticInventory(clusters);

  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const producer = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  producer.on('error', () => undefined);
  const ctx = { prefix };
  const queues = {
    provision: createQueue('provision', redis, ctx),
    warn: createQueue('warn', redis, ctx),
    revoke: createQueue('revoke', redis, ctx),
    sweep: createQueue('sweep', redis, ctx),
  };
  const requests = createRequestRepository({ dynamo, logger });
  const audit = createAuditLog({ dynamo });
  const outbox = await createOutboxNotifier({ dynamo, key, logger });
  const secrets = createLocalSecretStore({ dynamo, key });
  const tokens = new Map([['e2e', TOKEN]]);

  const databases = createGrantAdmin({ userPrefix, logger });
  const requestApi = await buildRequestApi({ logger, lifecycle: createLifecycle(), redis: producer, dynamo, requests, audit, policy, inventory, databases, outbox, queues: { revoke: queues.revoke }, tokens, minuteMs });
  const approvalApi = await buildApprovalApi({ logger, lifecycle: createLifecycle(), redis: producer, dynamo, requests, audit, policy, notifier: outbox, queues, tokens, minuteMs });

  const workers: Worker[] = [];
  const stops: Array<() => Promise<void> | void> = [];
  let host: ForwarderHost | undefined;
  if (options.provisioner !== false) {
    host = await createForwarderHost({ dynamo, logger, redis, prefix, reconcileMs: 200 });
    const admin = createGrantAdmin({ userPrefix, logger });
    stops.push(() => admin.close());
    workers.push(
      ...createProvisionerWorkers({
        connection: redis,
        prefix,
        logger,
        concurrency: 8,
        access: { requests, audit, policy, inventory, admin, bastion: await createForwarderBastion({ dynamo, host, redis, prefix }), secrets, notifier: outbox, queues, dynamo, minuteMs },
      }),
    );
  }
  if (options.reaper !== false) {
    const admin = createGrantAdmin({ userPrefix, logger, connectTimeoutMs: 1000 });
    stops.push(() => admin.close());
    const reaper = await createReaperWorkers({
      connection: redis,
      prefix,
      logger,
      concurrency: 8,
      sweepEveryMs: options.sweepEveryMs ?? 60_000,
      stuckAfterMs: options.stuckAfterMs ?? 60_000,
      access: { requests, audit, policy, inventory, admin, bastion: await createForwarderBastion({ dynamo, redis, prefix }), secrets, notifier: outbox, queues, minuteMs },
    });
    workers.push(...reaper.workers);
    stops.push(reaper.stop);
  }

  /** Calls an API as `actor` with the e2e tool's token. */
  async function call(app: HttpApp, method: 'GET' | 'POST', url: string, actor?: string, body?: unknown) {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${TOKEN}`, ...(actor ? { 'x-acting-user': actor } : {}) },
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
    });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> & { code?: string; detail?: string }, headers: res.headers };
  }

  async function ask(requester: string, body: Record<string, unknown> = {}): Promise<AccessRequest> {
    const res = await call(requestApi, 'POST', '/v1/access-requests', requester, {
      clusterId: 'devdb',
      database: granted,
      profile: 'read',
      durationMinutes: 1,
      reason: 'investigate ticket OPS-1234 slow queries',
      ...body,
    });
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as unknown as AccessRequest;
  }

  const approve = (id: string, approver: string) => call(approvalApi, 'POST', `/v1/access-requests/${id}/approve`, approver, {});

  async function waitState(id: string, state: AccessRequest['state'], timeoutMs = 20_000): Promise<AccessRequest> {
    return waitFor(async () => {
      // The state is written before its audit event: wait for both. (`activated` is also audited
      // only once the end is final, after the test time-scale rewrite.)
      const closingEvent = state === 'active' ? 'activated' : state === 'revoked' ? 'revoked' : undefined;
      if (closingEvent && !(await audit.list(id)).some((e) => e.kind === closingEvent)) return undefined;
      const r = await requests.get(id);
      return r?.state === state ? r : undefined;
    }, { timeoutMs, intervalMs: 20, what: `request ${id} to be ${state}` });
  }

  async function platformUsers(): Promise<string[]> {
    // `_` is a LIKE wildcard: escaped, or `jit_a_%` would also list deployment `ab`'s users.
    const [rows] = await root.query<mysql.RowDataPacket[]>("SELECT User AS u FROM mysql.user WHERE User LIKE ? ESCAPE '\\\\'", [`${userPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
    return rows.map((r) => String(r['u']));
  }

  /** Environment for a service run as a child process against this stack. */
  const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    PORT: '0',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    DYNAMO_ENDPOINT: store.endpoint,
    TABLE_PREFIX: dynamo.tablePrefix,
    PLATFORM_CONFIG: platformFile,
    SECRET_STORE_KEY: key.toString('base64'),
    ACCESS_MINUTE_MS: String(minuteMs),
    ...(options.deploymentId ? { DEPLOYMENT_ID: options.deploymentId } : {}),
    ...extra,
  });

  async function close(): Promise<void> {
    for (const w of workers) await closeWorker(w, 10_000).catch(() => undefined);
    for (const stop of stops) await stop();
    await host?.close();
    await requestApi.close();
    await databases.close();
    await approvalApi.close();
    for (const q of Object.values(queues)) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
    for (const u of await platformUsers()) await root.query('DROP USER IF EXISTS ?@?', [u, '%']);
    for (const db of [granted, other]) await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await root.end();
    redis.disconnect();
    producer.disconnect();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }

  return {
    logger: logger as Logger,
    logText,
    dynamo,
    requests,
    audit,
    outbox,
    secrets,
    queues,
    requestApi,
    approvalApi,
    call,
    ask,
    approve,
    waitState,
    platformUsers,
    childEnv,
    root,
    redis,
    host,
    prefix,
    userPrefix,
    databases: { granted, other },
    endpoint,
    minuteMs,
    close,
  };
}
