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
  it('creates the job scheduler with the interval and runs the refill from its jobs, one at a time, each job saying what it did', async () => {
    let runs = 0;
    const capture = captureLogger();
    refill = await startPoolRefill({ refill: async () => (runs++, [report()]), connection: redis, prefix: uniqueName('pool'), logger: capture.logger, everyMs: 300, lockMs: 5_000 });
    const scheduler = await refill.queue.getJobScheduler(ACCESS_JOB_IDS.poolRefillScheduler);
    expect(scheduler?.every).toBe(300);
    expect(refill.worker.opts).toMatchObject({ concurrency: 1, lockDuration: 5_000, stalledInterval: 5_000 });
    // Five jobs take more than a second: the watchdog (every second at least) has checked the scheduler meanwhile.
    await waitFor(() => runs >= 5, { timeoutMs: 15_000 });
    const [done] = await refill.queue.getJobs(['completed'], 0, 0);
    expect(done?.name).toBe('bastionPoolRefill');
    expect(done?.returnvalue).toEqual([{ pool: 'vpc-0123456789abcdef0/subnet-0aaaaaaaaaaaaaaaa', launched: 1, available: 0, recycled: 0, problems: 0 }]);
    // Created once (the watchdog found it there), and a refill without problems warns of nothing.
    const lines = capture.lines();
    expect(lines.filter((l) => l['msg'] === 'bastion pool refill job scheduler created').map((l) => l['everyMs'])).toEqual([300]);
    expect(lines.filter((l) => l['level'] === 40)).toEqual([]);
  });

  it('a watchdog that cannot reach the scheduler says so and goes on; stopped, it re-creates nothing', async () => {
    const capture = captureLogger();
    refill = await startPoolRefill({ refill: async () => [report()], connection: redis, prefix: uniqueName('pool'), logger: capture.logger, everyMs: 1_000, lockMs: 5_000 });
    const real = refill.queue.getJobScheduler.bind(refill.queue);
    // One fault on the real queue object: its next look at the scheduler fails.
    refill.queue.getJobScheduler = async () => {
      refill!.queue.getJobScheduler = real;
      throw new Error('Connection is closed.');
    };
    await waitFor(() => capture.lines().some((l) => l['msg'] === 'cannot check the bastion pool refill scheduler'), { timeoutMs: 10_000 });
    expect(capture.lines().find((l) => l['msg'] === 'cannot check the bastion pool refill scheduler')?.['err']).toMatchObject({ message: 'Connection is closed.' });
    refill.stop();
    await refill.queue.removeJobScheduler(ACCESS_JOB_IDS.poolRefillScheduler);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await refill.queue.getJobScheduler(ACCESS_JOB_IDS.poolRefillScheduler)).toBeUndefined();
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
