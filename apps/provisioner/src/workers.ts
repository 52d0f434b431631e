import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createWorker } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import { createProvisioner, type ProvisionDeps } from './provision';

export interface ProvisionerWorkerDeps {
  connection: Redis;
  prefix: string;
  logger: Logger;
  concurrency: number;
  /** A crashed process's job is taken over after this long (BullMQ lock duration = stalled check interval). */
  lockMs?: number;
  access: ProvisionDeps;
}

export function createProvisionerWorkers(deps: ProvisionerWorkerDeps): Worker[] {
  const provisioner = createProvisioner(deps.access);
  const lock = deps.lockMs ? { lockDuration: deps.lockMs, stalledInterval: deps.lockMs } : {};
  return [
    createWorker('provision', provisioner.processor, { connection: deps.connection, logger: deps.logger, prefix: deps.prefix }, { concurrency: deps.concurrency, ...lock }),
  ];
}
