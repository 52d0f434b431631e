import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * One crawl per cluster at a time across runs and replicas (an API call during the nightly
 * run): two crawls of the same cluster would both prepend the same changelog entry. A Redis
 * key with an owner token and a time to live; released only by its owner.
 */
export interface ClusterLock {
  /** Waits up to `waitMs` for the lock; returns a release function, or undefined on timeout. */
  acquire(clusterId: string, ttlMs: number, waitMs: number, signal?: AbortSignal): Promise<(() => Promise<void>) | undefined>;
}

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export function createClusterLock(redis: Redis, prefix: string, pollMs = 500): ClusterLock {
  return {
    async acquire(clusterId, ttlMs, waitMs, signal) {
      const key = `${prefix}:docs-lock:${clusterId}`;
      const token = randomBytes(12).toString('hex');
      const deadline = Date.now() + waitMs;
      for (;;) {
        if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') {
          return async () => {
            await redis.eval(RELEASE, 1, key, token);
          };
        }
        if (Date.now() >= deadline || signal?.aborted) return undefined;
        await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
      }
    },
  };
}
