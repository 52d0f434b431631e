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
import { type Bastion, type Inventory, type SecretStore, createForwarderBastion, createForwarderHost, createLocalSecretStore, createOutboxNotifier, createStaticInventory, type ClusterTarget, type ForwarderHost, type HostPort } from '@dbre/drivers';
import { closeWorker, createQueue } from '@dbre/queue';
import { apiClientsOf, createLifecycle, type HttpApp, type Logger } from '@dbre/service-kit';
import { createAuditLog, createRequestRepository } from '@dbre/store';
import { captureLogger, startTestDynamo, testServices, uniqueName, waitFor } from '@dbre/testing';
import { buildApp as buildRequestApi } from '../../apps/request-api/src/app';
import { buildApp as buildApprovalApi } from '../../apps/approval-api/src/app';
import { createAccessDecisions, createAccessWorkers, workerTimings, type WorkerDeps } from '@dbre/access';
import { createGrantAdmin } from '@dbre/mysql';

export const TOKEN = `e2e-${randomBytes(16).toString('hex')}`;
/** What the e2e tool may do: everything request-api and approval-api offer. */
export const E2E_SCOPES = ['requests:create', 'requests:read', 'grants:end', 'outbox:read', 'outbox:open', 'approve'] as const;
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
  /** Default: 5 policy minutes, as in the services. */
  stuckAfterMs?: number;
  warnBeforeMinutes?: number;
  reviewExpiryMinutes?: number;
  /** More inventory entries (e.g. a cluster behind a proxy, one with a weak admin). */
  extraClusters?: ClusterTarget[];
  /** Run the forwarder host here (default: when the provisioner runs here). */
  forwarderHost?: boolean;
  /** The in-process workers' step hook (a throw fails that attempt, like a crash the queue retries). */
  onStep?: WorkerDeps['onStep'];
  /** The policy's user prefix (random by default); two stacks given the same one share it. */
  userPrefix?: string;
  /** The deployment id (DEPLOYMENT_ID): users are named `<userPrefix><id>_…`. */
  deploymentId?: string;
  /**
   * The drivers each service selected (e.g. DRIVERS=aws through selectDrivers), instead of the
   * stack's static inventory, forwarder bastion and local secret store. request-api's inventory
   * also serves the decisions (approval-api selects no driver).
   */
  driversFor?: (service: 'request-api' | 'provisioner' | 'reaper') => Promise<{ inventory: Inventory; bastion?: Bastion; secrets?: SecretStore }>;
  /** The policy's `autoApprove` rules and `renotify` (issue #15); none by default. */
  autoApprove?: AccessPolicyInput['autoApprove'];
  renotify?: AccessPolicyInput['renotify'];
  /** More policy groups (e.g. requester groups of an autoApprove rule). */
  groups?: Record<string, string[]>;
}

export type AccessStack = Awaited<ReturnType<typeof startAccessStack>>;

/** Host, port, user and password out of the credentials message (the one renderer's text). */
export function parseCredentials(text: string) {
  const m = /^mysql -h (\S+) -P (\d+) -u (\S+) -p\b.*$/m.exec(text);
  const p = /^Password: (\S+)$/m.exec(text);
  if (!m || !p) throw new Error(`no credentials in: ${text.replace(/Password: \S+/, 'Password: ***')}`);
  return { host: m[1]!, port: Number(m[2]), user: m[3]!, password: p[1]! };
}

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
    ...(options.extraClusters ?? []),
  ];
  const policyInput: AccessPolicyInput = {
    profiles: { read: { privileges: ['SELECT', 'SHOW VIEW'] }, write: { includes: ['read'], privileges: ['INSERT', 'UPDATE', 'DELETE'] } },
    groups: { dbre: [ALICE, BOB, CAROL], ...options.groups },
    ...(options.autoApprove ? { autoApprove: options.autoApprove } : {}),
    ...(options.renotify ? { renotify: options.renotify } : {}),
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
  // Mutable, so a test can make a cluster disappear from the inventory and come back.
  const known = new Map(clusters.map((c) => [c.id, c]));
  const inventory = { list: async () => createStaticInventory([...known.values()]).list(), get: async (id: string) => known.get(id) };
  const forgetCluster = (id: string) => known.delete(id);
  const restoreCluster = (id: string) => {
    const c = clusters.find((x) => x.id === id);
    if (c) known.set(id, c);
  };

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
    renotify: createQueue('renotify', redis, ctx),
  };
  const requests = createRequestRepository({ dynamo, logger });
  const audit = createAuditLog({ dynamo });
  const outbox = await createOutboxNotifier({ dynamo, key, logger });
  const secrets = createLocalSecretStore({ dynamo, key });
  const clients = apiClientsOf({ e2e: { token: TOKEN, scopes: E2E_SCOPES, actFor: ['*'] } });

  const databases = createGrantAdmin({ userPrefix, logger });
  const accessQueues = { provision: queues.provision, warn: queues.warn, revoke: queues.revoke, renotify: queues.renotify };
  const apiDrivers = await options.driversFor?.('request-api');
  const apiInventory = apiDrivers?.inventory ?? inventory;
  const access = createAccessDecisions({ requests, audit, policy, inventory: apiInventory, databases, notifier: outbox, queues: accessQueues, minuteMs });
  const requestApi = await buildRequestApi({ logger, lifecycle: createLifecycle(), redis: producer, dynamo, access, requests, audit, policy, inventory: apiInventory, outbox, clients });
  const approvalApi = await buildApprovalApi({ logger, lifecycle: createLifecycle(), redis: producer, dynamo, access, audit, clients });
  // The same scaling as the services: the lock and the stuck threshold follow the policy minute.
  const timings = workerTimings({ ACCESS_MINUTE_MS: minuteMs, WORKER_LOCK_MS: undefined, STUCK_AFTER_MS: options.stuckAfterMs });

  const workers: Worker[] = [];
  const bastionExtensions: Array<{ bastionId: string; endsAt: string }> = [];
  const recordingExtensions = (b: Bastion): Bastion => ({ ...b, extend: async (bastionId, endsAt) => void bastionExtensions.push({ bastionId, endsAt: endsAt.toISOString() }) });
  const stops: Array<() => Promise<void> | void> = [];
  let host: ForwarderHost | undefined;
  if (options.forwarderHost ?? options.provisioner !== false) host = await createForwarderHost({ dynamo, logger, redis, prefix, reconcileMs: 200 });
  /** What a test needs to start workers of its own against this stack (e.g. to kill them mid-job). */
  const workerDeps = async (): Promise<WorkerDeps> => {
    const admin = createGrantAdmin({ userPrefix, logger, connectTimeoutMs: 1000 });
    stops.push(() => admin.close());
    return { requests, audit, policy, inventory, admin, bastion: await createForwarderBastion({ dynamo, ...(host ? { host } : {}), redis, prefix }), secrets, notifier: outbox, queues: accessQueues };
  };
  if (options.provisioner !== false) {
    const admin = createGrantAdmin({ userPrefix, logger });
    stops.push(() => admin.close());
    const selected = await options.driversFor?.('provisioner');
    const provisioner = await createAccessWorkers({
      role: 'provisioner',
      connection: redis,
      prefix,
      logger,
      concurrency: 8,
      lockMs: timings.lockMs,
      deps: {
        requests,
        audit,
        policy,
        inventory: selected?.inventory ?? inventory,
        admin,
        bastion: selected?.bastion ?? (await createForwarderBastion({ dynamo, host, redis, prefix })),
        secrets: selected?.secrets ?? secrets,
        notifier: outbox,
        queues: accessQueues,
        ...(options.onStep ? { onStep: options.onStep } : {}),
      },
    });
    workers.push(...provisioner.workers);
  }
  if (options.reaper !== false) {
    const admin = createGrantAdmin({ userPrefix, logger, connectTimeoutMs: 1000 });
    stops.push(() => admin.close());
    const selected = await options.driversFor?.('reaper');
    const reaper = await createAccessWorkers({
      role: 'reaper',
      connection: redis,
      prefix,
      logger,
      concurrency: 8,
      lockMs: timings.lockMs,
      sweep: { queue: queues.sweep, everyMs: options.sweepEveryMs ?? 60_000, stuckAfterMs: timings.stuckAfterMs },
      // The forwarder has no deadline of its own; recording extend() shows the reaper moves a bastion's (AWS: its tag).
      deps: {
        requests,
        audit,
        policy,
        inventory: selected?.inventory ?? inventory,
        admin,
        bastion: selected?.bastion ?? recordingExtensions(await createForwarderBastion({ dynamo, redis, prefix })),
        secrets: selected?.secrets ?? secrets,
        notifier: outbox,
        queues: accessQueues,
      },
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
      // A state and its audit event are one write: the state alone says the step is recorded.
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
    // Let an active job (a sweep on a loaded machine) finish: a job still reading dynalite after
    // the store is closed outlives the test file.
    await Promise.all(workers.map((w) => closeWorker(w, 60_000).catch(() => undefined)));
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
    bastionExtensions,
    access,
    workerDeps,
    timings,
    policy,
    inventory,
    forgetCluster,
    restoreCluster,
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
    clients,
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
