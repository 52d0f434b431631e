import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@dbre/service-kit';

export interface ReaperWorkerDeps {
  connection: Redis;
  prefix: string;
  logger: Logger;
  concurrency: number;
}

export function createReaperWorkers(_deps: ReaperWorkerDeps): Worker[] {
  return [];
}
