import { Redis } from 'ioredis';
import type { RefillReport } from '@dbre/drivers';
import { ACCESS_JOB_IDS } from '@dbre/queue';
import { captureLogger, testServices, uniqueName, waitFor } from '@dbre/testing';
import { startPoolRefill, type PoolRefill } from '../src';

// The reaper's refill wiring against a real Redis: the job scheduler exists and its jobs run the refill.

let redis: Redis;
let refill: PoolRefill | undefined;
beforeAll(() => {
  redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: null });
});
afterEach(async () => {
  refill?.stop();
  await refill?.worker.close();
  await refill?.queue.obliterate({ force: true });
  await refill?.queue.close();
  refill = undefined;
});
afterAll(async () => redis.quit());

const report = (problems: string[] = []): RefillReport => ({ pool: 'vpc-0123456789abcdef0/subnet-0aaaaaaaaaaaaaaaa', launched: ['i-0f000000000000001'], adopted: [], stopped: [], available: [], recycled: [], terminatedStrays: [], forgotten: [], problems });

describe('startPoolRefill', () => {
  it('creates the job scheduler with the interval and runs the refill from its jobs', async () => {
    let runs = 0;
    const { logger } = captureLogger();
    refill = await startPoolRefill({ refill: async () => (runs++, [report()]), connection: redis, prefix: uniqueName('pool'), logger, everyMs: 200, lockMs: 5_000 });
    const scheduler = await refill.queue.getJobScheduler(ACCESS_JOB_IDS.poolRefillScheduler);
    expect(scheduler?.every).toBe(200);
    await waitFor(() => runs >= 2, { timeoutMs: 10_000 });
  });

  it('re-creates the scheduler when Redis lost it, and logs a pool that could not be filled', async () => {
    const capture = captureLogger();
    refill = await startPoolRefill({ refill: async () => [report(['launch in subnet-0aaaaaaaaaaaaaaaa: InsufficientInstanceCapacity: no capacity'])], connection: redis, prefix: uniqueName('pool'), logger: capture.logger, everyMs: 300, lockMs: 5_000 });
    await refill.queue.removeJobScheduler(ACCESS_JOB_IDS.poolRefillScheduler);
    await waitFor(async () => Boolean(await refill!.queue.getJobScheduler(ACCESS_JOB_IDS.poolRefillScheduler)), { timeoutMs: 10_000 });
    await waitFor(() => capture.lines().some((l) => l['msg'] === 'bastion pool refill could not do everything'), { timeoutMs: 10_000 });
    const line = capture.lines().find((l) => l['msg'] === 'bastion pool refill could not do everything');
    expect(line?.['problems']).toEqual(['launch in subnet-0aaaaaaaaaaaaaaaa: InsufficientInstanceCapacity: no capacity']);
  });
});
