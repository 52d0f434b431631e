import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ACCESS_JOB_IDS, createWorker, type TypedQueue } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import type { WorkerDeps } from './deps';
import { createProvisioner } from './provision';
import { createRenotifier } from './renotify';
import { createRevoker } from './revoke';
import { createSweep } from './sweep';

export type WorkerRole = 'provisioner' | 'reaper';

export interface AccessWorkerOptions {
  role: WorkerRole;
  connection: Redis;
  prefix: string;
  logger: Logger;
  concurrency: number;
  /** reaper: evidence seals run at once (default 1: a burst of revokes goes first, the seals follow). */
  sealConcurrency?: number;
  /** A crashed process's job is taken over after this long (BullMQ lock duration = stalled check interval). */
  lockMs: number;
  deps: WorkerDeps;
  /** reaper: the sweep's queue, interval and stuck threshold. */
  sweep?: { queue: TypedQueue<'sweep'>; everyMs: number; stuckAfterMs: number; amiAlertDays?: number };
}

export interface AccessWorkers {
  workers: Worker[];
  /** Stops the watchdog that re-creates the sweep's job scheduler (reaper). */
  stop(): void;
}

/**
 * The queue workers of one role: provisioner (provision) or reaper (revoke, warn, seal, sweep, renotify). The
 * sweep's job scheduler lives in Redis, so a watchdog re-creates it whenever it is missing (a
 * FLUSHALL, a new Redis): the sweep never stops for good.
 */
export async function createAccessWorkers(options: AccessWorkerOptions): Promise<AccessWorkers> {
  const conn = { connection: options.connection, logger: options.logger, prefix: options.prefix };
  const lock = { lockDuration: options.lockMs, stalledInterval: options.lockMs };
  if (options.role === 'provisioner') {
    const provisioner = createProvisioner(options.deps);
    return { workers: [createWorker('provision', provisioner.processor, conn, { concurrency: options.concurrency, ...lock })], stop: () => undefined };
  }
  const sweepOptions = options.sweep;
  if (!sweepOptions) throw new TypeError('the reaper needs its sweep queue and settings');
  const revoker = createRevoker(options.deps);
  const sweep = createSweep(options.deps, revoker, { stuckAfterMs: sweepOptions.stuckAfterMs, ...(sweepOptions.amiAlertDays ? { amiAlertDays: sweepOptions.amiAlertDays } : {}) });
  const ensureScheduler = async () => {
    if (await sweepOptions.queue.getJobScheduler(ACCESS_JOB_IDS.sweepScheduler)) return;
    await sweepOptions.queue.upsertJobScheduler(ACCESS_JOB_IDS.sweepScheduler, { every: sweepOptions.everyMs }, { name: 'sweep', data: {} });
    options.logger.info({ everyMs: sweepOptions.everyMs }, 'sweep job scheduler created');
  };
  await ensureScheduler();
  const watchdog = setInterval(() => {
    ensureScheduler().catch((err: Error) => options.logger.warn({ err: { message: err.message } }, 'cannot check the sweep scheduler'));
  }, Math.max(sweepOptions.everyMs, 1000));
  watchdog.unref();
  const workers = [
    createWorker('revoke', revoker.revokeProcessor, conn, { concurrency: options.concurrency, ...lock }),
    createWorker('warn', revoker.warnProcessor, conn, { concurrency: options.concurrency, ...lock }),
    createWorker('sweep', async (_payload, ctx) => sweep(ctx.logger), conn, { concurrency: 1, ...lock }),
    ...(options.deps.queues.seal && options.deps.evidence ? [createWorker('seal', revoker.sealProcessor, conn, { concurrency: options.sealConcurrency ?? 1, ...lock })] : []),
    ...(options.deps.queues.renotify ? [createWorker('renotify', createRenotifier(options.deps).processor, conn, { concurrency: options.concurrency, ...lock })] : []),
  ];
  return { workers, stop: () => clearInterval(watchdog) };
}
