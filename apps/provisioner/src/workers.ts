import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@dbre/service-kit';

export interface ProvisionerWorkerDeps {
  connection: Redis;
  prefix: string;
  logger: Logger;
  concurrency: number;
}

export function createProvisionerWorkers(_deps: ProvisionerWorkerDeps): Worker[] {
  return [];
}
