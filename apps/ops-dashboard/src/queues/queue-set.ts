import type { Redis } from 'ioredis';
import { createQueue, QUEUES, type QueueKey, type TypedQueue } from '@dbre/queue';

/** One BullMQ Queue per catalog entry, on the shared producer connection (closing them leaves it open). */
export interface QueueSet {
  all: ReadonlyArray<TypedQueue<QueueKey>>;
  close(): Promise<void>;
}

export function openCatalogQueues(redis: Redis, prefix: string): QueueSet {
  const all = (Object.keys(QUEUES) as QueueKey[]).map((key) => createQueue(key, redis, { prefix }) as TypedQueue<QueueKey>);
  return {
    all,
    async close() {
      await Promise.allSettled(all.map((q) => q.close()));
    },
  };
}
