import type { AccessRequest } from '@dbre/domain';
import type { Notification, Notifier } from '@dbre/drivers';
import { createQueue, type TypedQueue } from '@dbre/queue';
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApproverDirectory, type ApproverDirectory } from './approvers';
import { createModalClient, createSlackClient } from './client';
import { slackSettings, type SlackEnvConfig, type SlackSettings } from './config';
import { createSlackDelivery } from './delivery';
import { createSlackNotifier, createSlackNotifyWorker } from './notifier';
import { createPendingStore, type PendingStore } from './pending-store';
import { createRedisReplayCache, type ReplayCache } from './replay-cache';
import { createUserDirectory, type UserDirectory } from './users';

/** Everything a service needs to talk to Slack, built once in `main.ts`. */
export interface SlackKit {
  settings: SlackSettings;
  /** Queue-side calls: short retries, 10 s timeout. */
  client: WebClient;
  /** Calls answering a click within Slack's 3 s (views.open/update): no retry, 2.5 s timeout. */
  ui: WebClient;
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
  /** Which service verifies requests: the replay cache is shared by all; a forward hands a signature to the service it is for. */
  service: string;
}): SlackKit {
  const { settings } = deps;
  const client = createSlackClient({ botToken: settings.botToken, ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}), logger: deps.logger });
  const store = createPendingStore(deps.redis, { prefix: deps.prefix, sealKey: deps.sealKey });
  const queue = createQueue('notify', deps.redis, { prefix: deps.prefix });
  const ui = createModalClient({ botToken: settings.botToken, ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}), logger: deps.logger });
  return {
    settings,
    client,
    ui,
    store,
    queue,
    notifier: createSlackNotifier({ store, queue, logger: deps.logger }),
    users: createUserDirectory({ client }),
    approvers: createApproverDirectory({
      client,
      source: { ...(settings.approverUsergroup ? { usergroupId: settings.approverUsergroup } : {}), userIds: settings.approverUsers },
    }),
    replayCache: createRedisReplayCache(deps.redis, { prefix: deps.prefix, service: deps.service }),
    close: () => queue.close(),
  };
}

/** The kit when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set; undefined runs without Slack. */
export function slackKitFromConfig(
  config: SlackEnvConfig,
  deps: { redis: Redis; prefix: string; sealKey: Buffer; logger: Logger; service: string },
): SlackKit | undefined {
  const settings = slackSettings(config);
  if (!settings) {
    deps.logger.info('Slack is not configured (SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET unset): notifications stay in the local outbox');
    return undefined;
  }
  return createSlackKit({ ...deps, settings });
}

/** The `notify` worker delivering this kit's notifications (run it in one worker service). */
export function slackNotifyWorker(
  kit: SlackKit,
  deps: { connection: Redis; prefix: string; logger: Logger; loadRequest: (id: string) => Promise<AccessRequest | undefined>; loadChange?: (request: AccessRequest) => Promise<string[]> },
) {
  const approvals = kit.settings.approversChannel;
  if (!approvals) throw new Error('SLACK_APPROVERS_CHANNEL must be set (the id of the private approvers channel) when Slack is configured.');
  const delivery = createSlackDelivery({
    client: kit.client,
    store: kit.store,
    channels: { approvals, ...(kit.settings.requestsChannel ? { requests: kit.settings.requestsChannel } : {}) },
    loadRequest: deps.loadRequest,
    ...(deps.loadChange ? { loadChange: deps.loadChange } : {}),
    ...(kit.settings.dashboardUrl ? { links: { dashboardUrl: kit.settings.dashboardUrl } } : {}),
    logger: deps.logger,
  });
  return createSlackNotifyWorker({ connection: deps.connection, prefix: deps.prefix, logger: deps.logger, delivery });
}

/** The `slack` tool's bearer token: Slack routes act through the service's REST routes with it. */
export function slackBridgeToken(clients: { tokenOf(tool: string): string | undefined }): string {
  const token = clients.tokenOf('slack');
  if (!token) throw new Error('Slack is configured but API_TOKENS has no slack=<token> entry: the Slack routes act through the REST API as the "slack" tool.');
  return token;
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
