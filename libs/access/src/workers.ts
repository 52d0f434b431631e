import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ACCESS_JOB_IDS, createWorker, type TypedQueue } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import { createReaper, type ReaperDeps } from './lifecycle';
import { createSweep } from './sweep';

export interface ReaperWorkerDeps {
  connection: Redis;
  prefix: string;
  logger: Logger;
  concurrency: number;
  access: ReaperDeps & { queues: ReaperDeps['queues'] & { sweep: TypedQueue<'sweep'> } };
  /** How often the sweep runs (job scheduler `every`). */
  sweepEveryMs: number;
  stuckAfterMs: number;
}

export interface ReaperWorkers {
  workers: Worker[];
  /** Stops the watchdog that re-creates the sweep's job scheduler. */
  stop(): void;
}

/**
 * warn, revoke and sweep workers. The sweep's job scheduler lives in Redis, so a watchdog
 * re-creates it whenever it is missing (a FLUSHALL, a new Redis): the sweep never stops for good.
 */
export async function createReaperWorkers(deps: ReaperWorkerDeps): Promise<ReaperWorkers> {
  const reaper = createReaper(deps.access);
  const sweep = createSweep(deps.access, reaper, { stuckAfterMs: deps.stuckAfterMs });
  const conn = { connection: deps.connection, logger: deps.logger, prefix: deps.prefix };
  const sweepQueue = deps.access.queues.sweep;

  const ensureScheduler = async () => {
    if (await sweepQueue.getJobScheduler(ACCESS_JOB_IDS.sweepScheduler)) return;
    await sweepQueue.upsertJobScheduler(ACCESS_JOB_IDS.sweepScheduler, { every: deps.sweepEveryMs }, { name: 'sweep', data: {} });
    deps.logger.info({ everyMs: deps.sweepEveryMs }, 'sweep job scheduler created');
  };
  await ensureScheduler();
  const watchdog = setInterval(() => {
    ensureScheduler().catch((err: Error) => deps.logger.warn({ err: { message: err.message } }, 'cannot check the sweep scheduler'));
  }, Math.max(deps.sweepEveryMs, 1000));
  watchdog.unref();

  const workers = [
    createWorker('revoke', reaper.revokeProcessor, conn, { concurrency: deps.concurrency }),
    createWorker('warn', reaper.warnProcessor, conn, { concurrency: deps.concurrency }),
    createWorker('sweep', async (_payload, ctx) => sweep(ctx.logger), conn, { concurrency: 1 }),
  ];
  return { workers, stop: () => clearInterval(watchdog) };
}
