import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * `worker`: blocking connections BullMQ workers need (`maxRetriesPerRequest: null`, waits for
 * Redis to come back). `producer`: fails fast so an HTTP request never hangs on a dead Redis.
 */
export type RedisRole = 'worker' | 'producer';

export function createRedis(url: string, role: RedisRole, logger?: Logger, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    connectionName: `dbre-${role}`,
    ...(role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 }),
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
  let lastLogged = 0;
  redis.on('error', (err) => {
    // A dead Redis reports every reconnect attempt; log at most once every 10 s.
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      logger?.warn({ err: { message: err.message, code: (err as NodeJS.ErrnoException).code }, role }, 'redis connection error');
    }
  });
  return redis;
}

/** quit() politely, disconnect() when Redis is gone. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((_, reject) => setTimeout(() => reject(new Error('quit timeout')), 1000))]);
  } catch {
    redis.disconnect();
  }
}
