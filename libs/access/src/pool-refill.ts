import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RefillReport } from '@dbre/drivers';
import { ACCESS_JOB_IDS, createQueue, createWorker, type TypedQueue } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';

export interface PoolRefillOptions {
  /** PooledBastion.refill of the reaper's bastion driver. */
  refill: () => Promise<RefillReport[]>;
  connection: Redis;
  prefix: string;
  logger: Logger;
  everyMs: number;
  lockMs: number;
}

export interface PoolRefill {
  queue: TypedQueue<'bastionPoolRefill'>;
  worker: Worker;
  /** Stops the watchdog that re-creates the job scheduler. */
  stop(): void;
}

/**
 * The reaper's bastion pool refill: a BullMQ job scheduler adds one job every `everyMs`, one
 * worker runs them one at a time (a refill is idempotent; a failed run is retried by the next
 * tick). Like the sweep, a watchdog re-creates the scheduler when Redis lost it.
 */
export async function startPoolRefill(options: PoolRefillOptions): Promise<PoolRefill> {
  const queue = createQueue('bastionPoolRefill', options.connection, { prefix: options.prefix });
  const ensureScheduler = async () => {
    if (await queue.getJobScheduler(ACCESS_JOB_IDS.poolRefillScheduler)) return;
    await queue.upsertJobScheduler(ACCESS_JOB_IDS.poolRefillScheduler, { every: options.everyMs }, { name: 'bastionPoolRefill', data: {} });
    options.logger.info({ everyMs: options.everyMs }, 'bastion pool refill job scheduler created');
  };
  await ensureScheduler();
  const watchdog = setInterval(() => {
    ensureScheduler().catch((err: Error) => options.logger.warn({ err: { message: err.message } }, 'cannot check the bastion pool refill scheduler'));
  }, Math.max(options.everyMs, 1000));
  watchdog.unref();
  const worker = createWorker(
    'bastionPoolRefill',
    async (_payload, ctx) => {
      const reports = await options.refill();
      for (const report of reports) {
        if (report.problems.length) ctx.logger.warn({ pool: report.pool, problems: report.problems }, 'bastion pool refill could not do everything');
      }
      return reports.map((r) => ({ pool: r.pool, launched: r.launched.length, available: r.available.length, recycled: r.recycled.length, problems: r.problems.length }));
    },
    { connection: options.connection, logger: options.logger, prefix: options.prefix },
    { concurrency: 1, lockDuration: options.lockMs, stalledInterval: options.lockMs },
  );
  return { queue, worker, stop: () => clearInterval(watchdog) };
}
