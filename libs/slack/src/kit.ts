import type { Notification, Notifier } from '@dbre/drivers';
import { createQueue, type TypedQueue } from '@dbre/queue';
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApproverDirectory, type ApproverDirectory } from './approvers';
import { createSlackClient } from './client';
import type { SlackSettings } from './config';
import { createSlackNotifier } from './notifier';
import { createPendingStore, type PendingStore } from './pending-store';
import { createRedisReplayCache, type ReplayCache } from './replay-cache';
import { createUserDirectory, type UserDirectory } from './users';

/** Everything a service needs to talk to Slack, built once in `main.ts`. */
export interface SlackKit {
  settings: SlackSettings;
  client: WebClient;
  store: PendingStore;
  queue: TypedQueue<'notify'>;
  notifier: Notifier;
  users: UserDirectory;
  approvers: ApproverDirectory;
  replayCache: ReplayCache;
  close(): Promise<void>;
}

export function createSlackKit(deps: {
  settings: SlackSettings;
  redis: Redis;
  prefix: string;
  sealKey: Buffer;
  logger: Logger;
  /** Which service verifies requests: each keeps its own replay cache, so a request forwarded from request-api to approval-api is not taken for a replay. */
  service: string;
}): SlackKit {
  const { settings } = deps;
  const client = createSlackClient({ botToken: settings.botToken, ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}), logger: deps.logger });
  const store = createPendingStore(deps.redis, { prefix: deps.prefix, sealKey: deps.sealKey });
  const queue = createQueue('notify', deps.redis, { prefix: deps.prefix });
  return {
    settings,
    client,
    store,
    queue,
    notifier: createSlackNotifier({ store, queue, logger: deps.logger }),
    users: createUserDirectory({ client }),
    approvers: createApproverDirectory({
      client,
      source: { ...(settings.approverUsergroup ? { usergroupId: settings.approverUsergroup } : {}), userIds: settings.approverUsers },
    }),
    replayCache: createRedisReplayCache(deps.redis, { prefix: `${deps.prefix}:${deps.service}` }),
    close: () => queue.close(),
  };
}

/**
 * A notifier that keeps the local one (outbox, logs) and also sends to Slack. The local send
 * comes first and a Slack failure never fails the caller: provisioning and revocation must not
 * depend on Slack (the Slack send only writes Redis and enqueues; the queue retries delivery).
 */
export function alsoToSlack<N extends Notifier>(local: N, slack: Notifier, logger: Logger): N {
  return {
    ...local,
    async send(n: Notification) {
      await local.send(n);
      try {
        await slack.send(n);
      } catch (err) {
        logger.error({ err: { message: (err as Error).message }, notificationId: n.id, kind: n.kind }, 'could not queue the Slack copy of a notification (kept in the outbox)');
      }
    },
  };
}
