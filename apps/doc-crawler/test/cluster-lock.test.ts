import type { Redis } from 'ioredis';
import { closeRedis, createRedis } from '@dbre/queue';
import { testServices, uniqueName } from '@dbre/testing';
import { createClusterLock } from '../src/cluster-lock';

describe('cluster lock', () => {
  let redis: Redis;
  const prefix = uniqueName('lock');
  beforeAll(() => {
    redis = createRedis(testServices.redisUrl, 'worker');
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await closeRedis(redis);
  });

  it('lets one crawl of a cluster run at a time; the second waits for the release', async () => {
    const lock = createClusterLock(redis, prefix, 20);
    const releaseA = await lock.acquire('dev-a', 10_000, 0);
    expect(releaseA).toBeDefined();
    expect(await lock.acquire('dev-a', 10_000, 50)).toBeUndefined(); // busy, gave up after 50 ms
    expect(await lock.acquire('dev-b', 10_000, 0)).toBeDefined(); // other clusters are independent
    const waiting = lock.acquire('dev-a', 10_000, 5_000);
    await releaseA!();
    const releaseB = await waiting;
    expect(releaseB).toBeDefined();
    await releaseA!(); // a stale owner cannot release the new holder's lock
    expect(await redis.exists(`${prefix}:docs-lock:dev-a`)).toBe(1);
    await releaseB!();
    expect(await redis.exists(`${prefix}:docs-lock:dev-a`)).toBe(0);
  });

  it('expires a lock whose holder died', async () => {
    const lock = createClusterLock(redis, prefix, 20);
    await lock.acquire('dev-c', 100, 0); // never released
    expect(await lock.acquire('dev-c', 10_000, 2_000)).toBeDefined();
  });
});
