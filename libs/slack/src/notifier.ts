import { createHash } from 'node:crypto';
import type { Notification, Notifier } from '@dbre/drivers';
import { createWorker, enqueue, UnrecoverableError, type TypedQueue } from '@dbre/queue';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SlackDelivery } from './delivery';
import { SlackAdapterError } from './errors';
import type { PendingStore } from './pending-store';

/** The custom BullMQ backoff type of Slack notify jobs (honours Retry-After). */
export const SLACK_BACKOFF = 'slack-retry-after';

/** BullMQ job ids may not contain ':'; notification ids do (`credentials:<id>`). */
export function notifyJobId(notificationId: string): string {
  return `slack-${createHash('sha256').update(notificationId).digest('hex').slice(0, 40)}`;
}

/**
 * The Slack `Notifier`: `send` only stores the notification and enqueues a `notify` job (ids,
 * not state), so it answers in milliseconds and never fails because Slack is slow, down or
 * rate-limiting. The worker delivers, retrying for as long as the queue allows.
 */
export function createSlackNotifier(deps: { store: PendingStore; queue: TypedQueue<'notify'>; logger: Logger }): Notifier {
  return {
    async send(n: Notification) {
      const fresh = await deps.store.put({
        id: n.id,
        kind: n.kind,
        to: n.to,
        text: n.text,
        ...(n.requestId ? { requestId: n.requestId } : {}),
        ...(n.data ? { data: n.data } : {}),
        ...(n.sensitive ? { sensitive: true } : {}),
      });
      // Enqueue even when already stored: a crash between put and enqueue must not lose it;
      // the deterministic job id makes the second add a no-op.
      await enqueue(deps.queue, { notificationId: n.id }, { jobId: notifyJobId(n.id), backoff: { type: SLACK_BACKOFF, delay: 1000 } });
      deps.logger.debug({ notificationId: n.id, kind: n.kind, requestId: n.requestId, fresh }, 'slack notification queued');
    },
  };
}

export interface NotifyWorkerOptions {
  connection: Redis;
  prefix: string;
  logger: Logger;
  delivery: SlackDelivery;
  /** First retry delay without a Retry-After, ms (doubles each attempt). */
  baseDelayMs?: number;
  /** Longest wait between two attempts, ms. */
  maxDelayMs?: number;
  concurrency?: number;
}

/** Retry-After when Slack gave one (plus a little jitter), else capped exponential. */
export function slackBackoff(options: { baseDelayMs?: number; maxDelayMs?: number } = {}) {
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 5 * 60_000;
  return (attemptsMade: number, _type?: string, err?: Error): number => {
    const retryAfter = err instanceof SlackAdapterError ? err.retryAfterMs : (err as { retryAfterMs?: number } | undefined)?.retryAfterMs;
    if (retryAfter !== undefined) return Math.min(retryAfter + Math.floor(Math.random() * 250), max);
    return Math.min(base * 2 ** Math.max(0, attemptsMade - 1), max);
  };
}

/** The `notify` worker delivering Slack notifications; close it with `closeWorker`. */
export function createSlackNotifyWorker(options: NotifyWorkerOptions) {
  return createWorker(
    'notify',
    async (payload, ctx) => {
      try {
        return await options.delivery.deliver(payload.notificationId, ctx.logger);
      } catch (err) {
        if (err instanceof SlackAdapterError && err.code === 'SLACK_PAYLOAD_INVALID') throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    { connection: options.connection, logger: options.logger, prefix: options.prefix },
    {
      concurrency: options.concurrency ?? 4,
      settings: { backoffStrategy: slackBackoff(options) },
    },
  );
}
