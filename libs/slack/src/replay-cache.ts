import type { Redis } from 'ioredis';

/** Remembers every accepted request signature for longer than the timestamp window. */
export interface ReplayCache {
  /** true the first time a signature is seen, false for a replay. */
  claim(signature: string): Promise<boolean>;
}

export function createRedisReplayCache(redis: Redis, options: { prefix: string; ttlSeconds?: number }): ReplayCache {
  // Twice the ±5-minute window: a replay is refused by one check or the other, never neither.
  const ttl = options.ttlSeconds ?? 2 * 5 * 60 + 60;
  return {
    async claim(signature) {
      const set = await redis.set(`${options.prefix}:slack:seen:${signature}`, '1', 'EX', ttl, 'NX');
      return set === 'OK';
    },
  };
}

/** In-process cache (single-instance development, unit tests). */
export function createMemoryReplayCache(ttlSeconds = 2 * 5 * 60 + 60): ReplayCache {
  const seen = new Map<string, number>();
  return {
    async claim(signature) {
      const now = Date.now();
      for (const [sig, until] of seen) if (until < now) seen.delete(sig);
      if (seen.has(signature)) return false;
      seen.set(signature, now + ttlSeconds * 1000);
      return true;
    },
  };
}
