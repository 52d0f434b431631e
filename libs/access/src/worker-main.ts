import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { deploymentEnv, dynamoEnv, parseSection, platformFileEnv, readPlatformFile, redisEnv } from '@dbre/config';
import { accessPolicySchema, forDeployment } from '@dbre/domain';
import {
  checkDrivers,
  createConfigInventory,
  createFolderEvidenceStore,
  createForwarderBastion,
  createForwarderHost,
  createLocalSecretStore,
  createOutboxNotifier,
  createServerAuditLoggingCheck,
  createServerAuditSource,
  driverChoice,
  driversEnv,
  type Inventory,
  parseSecretKey,
  selectDrivers,
} from '@dbre/drivers';
import type * as AwsDrivers from '@dbre/drivers/aws';
import { createGrantAdmin } from '@dbre/mysql';
import { closeRedis, closeWorker, createQueue, createRedis } from '@dbre/queue';
import { type ApiClients, checkApiClients, createApiClients, createHttpApp, createLifecycle, createLogger, env, httpAccess, type HttpPolicy, optionalApiClientsEnv, redisCheck, serviceEnv, startService, type HttpApp, type Lifecycle, type Logger, type ShutdownStep } from '@dbre/service-kit';
import { alsoToSlack, slackEnv, slackKitFromConfig, slackNotifyWorker } from '@dbre/slack';
import { createDynamo, createRequestRepository, createAuditLog, dynamoCheck, ensureTables, type Dynamo } from '@dbre/store';
import { PROVISION_STEPS, REVOKE_STEPS, type AccessStep } from './deps';
import { startPoolRefill } from './pool-refill';
import { createAccessWorkers, type WorkerRole } from './workers';
import { pendingOfChange } from './batch';

/** The driver parts the access workers use: checked at start-up, selected, and whether any runs on AWS. */
const WORKER_PARTS = ['inventory', 'bastion', 'secrets', 'audit', 'evidence'] as const;

/**
 * The environment of both access workers (provisioner, reaper): one schema, one bootstrap. Times
 * not given scale with ACCESS_MINUTE_MS, so a test or benchmark that shortens the minute shortens
 * the stuck threshold and the lock too.
 */
export function accessWorkerConfig(defaultPort: number) {
  return z
    .object({
      ...serviceEnv,
      /** Health, readiness and metrics. */
      PORT: env.port(defaultPort),
      WORKER_CONCURRENCY: env.int(8, 1),
      WORKER_LOCK_MS: z.coerce.number().int().min(100).optional().describe("BullMQ lock duration in ms: a crashed worker's job is resumed after about this long (default: half a policy minute, at least 5000)"),
      ...redisEnv,
      ...deploymentEnv,
      ...dynamoEnv,
      ...platformFileEnv,
      ...slackEnv,
      ...driversEnv,
      ...optionalApiClientsEnv,
      SECRET_STORE_KEY: z.string().min(1).describe('the local secret-store key: 32 random bytes, base64 (openssl rand -base64 32)'),
      FORWARDER_RECONCILE_MS: env.ms(5000).describe('provisioner: how often the forwarder host re-reads every bastion record (the backstop behind Redis pub/sub and the per-connection check), ms'),
      EVIDENCE_SEAL_CONCURRENCY: env.int(1, 1).describe('reaper: evidence seals run at once, in their own jobs after the revokes'),
      SWEEP_EVERY_MS: env.ms(60_000).describe('reaper: how often the sweep runs, ms'),
      EVIDENCE_SETTLE_MS: env.ms(15 * 60_000).describe("reaper: the sweep collects a grant's final evidence this long after its end (audit log delivery is late on AWS), ms"),
      STUCK_AFTER_MS: z.coerce.number().int().min(0).optional().describe('reaper: provisioning or revoking untouched this long is resumed or compensated by the sweep, ms (default: 5 policy minutes)'),
      ACCESS_MINUTE_MS: env.int(60_000, 100).describe('length of one policy minute in ms; 60000 except in tests and benchmarks'),
      /** Test-only fault injection: exit the process right after this step boundary. */
      FAULT_EXIT_AFTER_STEP: z.enum([...PROVISION_STEPS, ...REVOKE_STEPS]).optional().describe(`${[...PROVISION_STEPS, ...REVOKE_STEPS].join('|')} (tests only)`),
    })
    .superRefine(checkDrivers(WORKER_PARTS))
    .superRefine(checkApiClients);
}
export type AccessWorkerConfig = z.output<ReturnType<typeof accessWorkerConfig>>;

/** Lock and stuck threshold: the configured value, or one scaled with the policy minute. */
export function workerTimings(config: Pick<AccessWorkerConfig, 'WORKER_LOCK_MS' | 'STUCK_AFTER_MS' | 'ACCESS_MINUTE_MS'>): { lockMs: number; stuckAfterMs: number } {
  return {
    lockMs: config.WORKER_LOCK_MS ?? Math.max(5000, Math.round(config.ACCESS_MINUTE_MS / 2)),
    stuckAfterMs: config.STUCK_AFTER_MS ?? 5 * config.ACCESS_MINUTE_MS,
  };
}

/** A worker's small HTTP side: /healthz, /readyz, /metrics. */
export async function buildWorkerApp(deps: {
  name: WorkerRole;
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
  /** The calling tools (only needed when /metrics is protected). */
  clients?: ApiClients;
  /** Who may read /metrics (default: anyone; runAccessWorker passes httpAccess(config)). */
  httpAccess?: HttpPolicy;
}): Promise<HttpApp> {
  return createHttpApp({
    name: deps.name,
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    auth: { clients: deps.clients, metrics: deps.httpAccess?.metrics, apiDocs: deps.httpAccess?.apiDocs },
  });
}

/** A worker process built and working, not yet listening: its HTTP side and its shutdown, in order. */
export interface AccessWorkerProcess {
  app: HttpApp;
  logger: Logger;
  lifecycle: Lifecycle;
  workers: readonly Worker[];
  /** Stop taking work: the watchdogs, then each worker finishes its active job. */
  stopWork: ShutdownStep[];
  /** After the HTTP side: what the workers used. */
  close: ShutdownStep[];
}

/**
 * Builds every dependency of the provisioner or the reaper and starts its workers. `logger` and
 * `exit` replace the process's (tests run a worker in-process).
 */
export async function buildAccessWorker(role: WorkerRole, config: AccessWorkerConfig, options: { logger?: Logger; exit?: (code: number) => void } = {}): Promise<AccessWorkerProcess> {
  const logger = options.logger ?? createLogger({ name: role, level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const key = parseSecretKey(config.SECRET_STORE_KEY);
  const policy = forDeployment(parseSection(config.PLATFORM_CONFIG, 'access', accessPolicySchema, readPlatformFile(config.PLATFORM_CONFIG)), config.DEPLOYMENT_ID);
  const lifecycle = createLifecycle();
  const redis = createRedis(config.REDIS_URL, 'worker', logger);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  if (config.DYNAMO_CREATE_TABLES) await ensureTables(dynamo);
  const ctx = { prefix: config.QUEUE_PREFIX };
  const queues = { provision: createQueue('provision', redis, ctx), warn: createQueue('warn', redis, ctx), revoke: createQueue('revoke', redis, ctx), seal: createQueue('seal', redis, ctx), renotify: createQueue('renotify', redis, ctx) };
  const sweepQueue = role === 'reaper' ? createQueue('sweep', redis, ctx) : undefined;
  // The forwarder host (local bastions) lives in the provisioner; the reaper only marks records closed.
  const forwarders =
    role === 'provisioner' && driverChoice(config, 'bastion') === 'local'
      ? await createForwarderHost({ dynamo, logger, redis, prefix: config.QUEUE_PREFIX, reconcileMs: config.FORWARDER_RECONCILE_MS })
      : undefined;
  // The AWS SDK only when a part runs on AWS: the local drivers never load it.
  const onAws = WORKER_PARTS.some((part) => driverChoice(config, part) === 'aws');
  const awsDrivers = onAws ? (require('@dbre/drivers/aws') as typeof AwsDrivers) : undefined;
  const aws = awsDrivers?.createAwsClients();
  // The audit source and the region lookup read the inventory once it is built.
  const inventory: Pick<Inventory, 'get'> = { get: (id) => drivers.inventory.get(id) };
  const drivers = await selectDrivers(
    config,
    WORKER_PARTS,
    {
      inventory: () => createConfigInventory({ path: config.PLATFORM_CONFIG, env: process.env }),
      bastion: () => createForwarderBastion({ dynamo, ...(forwarders ? { host: forwarders } : {}), redis, prefix: config.QUEUE_PREFIX }),
      secrets: () => createLocalSecretStore({ dynamo, key }),
      audit: () => createServerAuditSource({ inventory, ...(config.AUDIT_LOG_PATH ? { logPath: config.AUDIT_LOG_PATH } : {}) }),
      evidence: () => createFolderEvidenceStore({ root: config.EVIDENCE_DIR }),
    },
    {
      ...(aws ? { clients: aws } : {}),
      onInventorySkip: (cluster, why) => logger.warn({ cluster, why }, 'cluster left out of the inventory'),
      onBastionRegionError: (region, err) => logger.warn({ region, err: { message: (err as Error).message } }, 'bastions of a region could not be listed'),
      clusterRegion: async (id) => (await inventory.get(id))?.placement?.region,
      dynamo,
      poolLogger: logger,
    },
  );
  // Whether the cluster's audit logging is on: the plugin's settings locally, the cluster parameter group on AWS (unknown on error).
  const regionOf = async (clusterId: string) => (await inventory.get(clusterId))?.placement?.region ?? config.AWS_REGION;
  const auditLogging =
    awsDrivers && aws && driverChoice(config, 'audit') === 'aws'
      ? async (clusterId: string) => awsDrivers.auroraAuditLogging(aws.rds(await regionOf(clusterId)), clusterId).catch(() => undefined)
      : createServerAuditLoggingCheck({ inventory: drivers.inventory });
  const bastionSessions = awsDrivers && aws && driverChoice(config, 'bastion') === 'aws' ? async (bastionId: string, clusterId: string) => awsDrivers.listBastionSessions(aws.ssm(await regionOf(clusterId)), bastionId) : undefined;
  logger.info({ drivers: drivers.choices }, 'drivers selected');
  const admin = createGrantAdmin({ userPrefix: policy.dbUser.prefix, logger });
  const slack = slackKitFromConfig(config, { redis, prefix: config.QUEUE_PREFIX, sealKey: key, logger, service: role });
  const outbox = await createOutboxNotifier({ dynamo, key, logger });
  const requests = createRequestRepository({ dynamo, logger });
  const notify = role === 'provisioner' && slack ? slackNotifyWorker(slack, { connection: redis, prefix: config.QUEUE_PREFIX, logger, loadRequest: (id) => requests.get(id), loadChange: (r) => pendingOfChange(requests, r) }) : undefined;
  const fault = config.FAULT_EXIT_AFTER_STEP;
  const { lockMs, stuckAfterMs } = workerTimings(config);
  const access = await createAccessWorkers({
    role,
    connection: redis,
    prefix: config.QUEUE_PREFIX,
    logger,
    concurrency: config.WORKER_CONCURRENCY,
    sealConcurrency: config.EVIDENCE_SEAL_CONCURRENCY,
    lockMs,
    ...(sweepQueue ? { sweep: { queue: sweepQueue, everyMs: config.SWEEP_EVERY_MS, stuckAfterMs, amiAlertDays: config.BASTION_AMI_ALERT_DAYS } } : {}),
    deps: {
      requests,
      audit: createAuditLog({ dynamo }),
      policy,
      inventory: drivers.inventory,
      admin,
      bastion: drivers.bastion,
      secrets: drivers.secrets,
      notifier: slack ? alsoToSlack(outbox, slack.notifier, logger) : outbox,
      queues,
      evidence: {
        auditSource: drivers.audit,
        store: drivers.evidence,
        settleMs: config.EVIDENCE_SETTLE_MS,
        ...(bastionSessions ? { sessions: bastionSessions } : {}),
        clusterAuditLogging: auditLogging,
      },
      ...(fault
        ? {
            onStep: (step: AccessStep, requestId: string) => {
              if (step !== fault) return;
              logger.warn({ step, requestId }, 'FAULT_EXIT_AFTER_STEP: exiting now');
              exit(86);
            },
          }
        : {}),
    },
  });
  // The warm pool of bastions (aws, BASTION_POOL=on): the provisioner claims, the reaper refills.
  const pool = awsDrivers?.bastionPoolOf(drivers.bastion);
  const poolRefill =
    role === 'reaper' && pool
      ? await startPoolRefill({ refill: () => pool.refill(), connection: redis, prefix: config.QUEUE_PREFIX, logger, everyMs: config.BASTION_POOL_REFILL_EVERY_MS, lockMs })
      : undefined;
  const app = await buildWorkerApp({ name: role, logger, lifecycle, redis, dynamo, clients: createApiClients(config), httpAccess: httpAccess(config) });
  const workers = [...access.workers, ...(notify ? [notify] : []), ...(poolRefill ? [poolRefill.worker] : [])];
  return {
    app,
    logger,
    lifecycle,
    workers,
    stopWork: [
      { name: 'sweep-watchdog', run: async () => access.stop() },
      ...(poolRefill ? [{ name: 'pool-refill-watchdog', run: async () => poolRefill.stop() }] : []),
      ...workers.map((w) => ({ name: `worker:${w.name}`, run: () => closeWorker(w, config.SHUTDOWN_TIMEOUT_MS) })),
    ],
    close: [
      ...(forwarders ? [{ name: 'forwarders', run: () => forwarders.close() }] : []),
      { name: 'queues', run: () => Promise.all([...Object.values(queues), ...(sweepQueue ? [sweepQueue] : []), ...(poolRefill ? [poolRefill.queue] : [])].map((q) => q.close())) },
      { name: 'mysql', run: () => admin.close() },
      ...(slack ? [{ name: 'slack', run: () => slack.close() }] : []),
      { name: 'redis', run: () => closeRedis(redis) },
      { name: 'dynamodb', run: async () => dynamo.close() },
    ],
  };
}

/** The main of the provisioner and of the reaper: the worker, its HTTP side listening, the shutdown on a signal. */
export async function runAccessWorker(role: WorkerRole, config: AccessWorkerConfig): Promise<void> {
  const worker = await buildAccessWorker(role, config);
  await startService({
    app: worker.app,
    host: config.HOST,
    port: config.PORT,
    logger: worker.logger,
    lifecycle: worker.lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    stopWork: worker.stopWork,
    close: worker.close,
  });
}
