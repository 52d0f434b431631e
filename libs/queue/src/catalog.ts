import { z } from 'zod';
import type { JobsOptions } from 'bullmq';

/**
 * The one catalog of queues: name, payload schema, retry policy. Payloads carry ids, never
 * state: a handler re-reads the state and acts only if it still applies.
 */
export interface QueueDefinition<P extends z.ZodType = z.ZodType> {
  name: string;
  payload: P;
  defaults: JobsOptions;
}

function define<P extends z.ZodType>(name: string, payload: P, defaults: JobsOptions): QueueDefinition<P> {
  return { name, payload, defaults };
}

const requestId = z.string().min(1).max(64);
const retried = (attempts: number, delay: number): JobsOptions => ({
  attempts,
  backoff: { type: 'exponential', delay },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});

export const QUEUES = {
  /** approved -> active: bastion, user, secret, credentials, schedules (job id `provision-<requestId>`). */
  provision: define('provision', z.object({ requestId }), retried(8, 500)),
  /** The warning before the end (job id `warn-<requestId>-<endsAt ms>`, see ACCESS_JOB_IDS). */
  warn: define('warn', z.object({ requestId, endsAt: z.string() }), retried(5, 1000)),
  /** The revoke at the end (job id `revoke-<requestId>`). */
  revoke: define('revoke', z.object({ requestId, reason: z.string().max(200).optional() }), retried(20, 500)),
  /** The evidence seal of a revoked grant, after the revoke (job id `seal-<requestId>-<label>`); the sweep backs it up. */
  seal: define('seal', z.object({ requestId, label: z.enum(['revoke', 'final']) }), retried(8, 2000)),
  /** A reminder to the approvers of a request still waiting (job id `renotify-<requestId>-<attempt>`). */
  renotify: define('renotify', z.object({ requestId, attempt: z.number().int().min(1).max(100) }), retried(5, 1000)),
  /** The periodic sweep, driven from DynamoDB alone. */
  sweep: define('sweep', z.object({}).passthrough(), { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } }),
  /** The bastion warm pool's refill (reaper, BASTION_POOL=on): one run at a time, the next tick retries. */
  bastionPoolRefill: define('bastion-pool-refill', z.object({}).passthrough(), { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } }),
  /** Outbound notifications (Slack or local outbox), retried so none is lost. */
  notify: define(
    'notify',
    z.object({ notificationId: z.string().min(1).max(128) }),
    retried(30, 1000),
  ),
  /**
   * Doc-crawler fleet run. Without `runId`: a trigger (the cron scheduler) that starts a run;
   * with it: the parent of the run's flow, processed once every cluster child has finished.
   */
  docsFleet: define(
    'docs-fleet',
    z.object({
      runId: z.string().regex(/^[0-9TZ]{16,24}-[a-z0-9]{1,12}$/).optional(),
      clusterIds: z.array(z.string().min(1).max(63)).optional(),
      trigger: z.enum(['api', 'schedule', 'cli']).default('schedule'),
    }),
    { attempts: 2, backoff: { type: 'fixed', delay: 5000 }, removeOnComplete: { count: 200 }, removeOnFail: { count: 200 } },
  ),
  /** One cluster of a fleet run (a child of the flow); a failed child never fails the parent. */
  docsCluster: define('docs-cluster', z.object({ runId: z.string().min(1).max(64), clusterId: z.string().min(1).max(63) }), retried(3, 2000)),
} as const;

export type QueueKey = keyof typeof QUEUES;

/**
 * Deterministic job ids of the access lifecycle: adding one twice is a no-op. BullMQ 6 refuses
 * custom ids containing `:` ("Custom Id cannot contain :"), hence `-` as the separator.
 */
export const ACCESS_JOB_IDS = {
  provision: (requestId: string) => `provision-${requestId}`,
  warn: (requestId: string, endsAt: string | Date) => `warn-${requestId}-${new Date(endsAt).getTime()}`,
  revoke: (requestId: string) => `revoke-${requestId}`,
  seal: (requestId: string, label: 'revoke' | 'final') => `seal-${requestId}-${label}`,
  /** One per reminder: scheduling the same attempt twice is a no-op. */
  renotify: (requestId: string, attempt: number) => `renotify-${requestId}-${attempt}`,
  /** The job scheduler (repeatable) that adds a sweep job every interval. */
  sweepScheduler: 'access-sweep',
  /** The job scheduler that adds a bastion pool refill job every interval. */
  poolRefillScheduler: 'bastion-pool-refill',
} as const;
export type PayloadOf<K extends QueueKey> = z.output<(typeof QUEUES)[K]['payload']>;
