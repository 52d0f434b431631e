import type { AccessRequest } from '@dbre/domain';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import {
  accessEndedUpdate,
  approverMessage,
  autoApprovedDm,
  autoApprovedMessage,
  credentialsDm,
  decidedMessage,
  endedDm,
  escalationMessage,
  extensionMessage,
  noticeDm,
  publicRequestMessage,
  reminderMessage,
  requestedDm,
  threadUpdate,
  warningDm,
  type ConnectionView,
  type Decision,
  type SlackMessage,
} from './blocks/messages';
import { personOf, type MessageLinks, type RequestSummary } from './blocks/model';
import { toSlackError } from './client';
import { canonicalKind, type CanonicalKind } from './kinds';
import type { PendingStore, StoredNotification, ThreadName, ThreadRef } from './pending-store';
import { personOfActor, summarize } from './summarize';

export interface SlackChannels {
  /** The private approvers' channel (id). */
  approvals: string;
  /** The public request channel where each request's thread follows its life (optional). */
  requests?: string;
}

export interface SlackDeliveryDeps {
  client: WebClient;
  store: PendingStore;
  channels: SlackChannels;
  /** Re-reads the request (payloads carry ids, not state). */
  loadRequest?: (requestId: string) => Promise<AccessRequest | undefined>;
  /** Where messages link to (the dashboard's request page). */
  links?: MessageLinks;
  logger: Logger;
}

/** Said instead of a sensitive notification's text, which never goes to Slack. */
const SENSITIVE_FALLBACK = 'You have a new message from the database access platform; open the platform to read it.';

export interface SlackDelivery {
  deliver(notificationId: string, logger?: Logger): Promise<'delivered' | 'gone'>;
}

interface Step {
  name: string;
  run: () => Promise<void>;
  /**
   * Steps that several notifications describe (an approver per e-mail all announce the same
   * request; REST and Slack both report a decision) are done once per request, not per id.
   */
  onceFor?: string;
}

type Stored = StoredNotification & { text: string };

/**
 * Turns one stored notification into Slack calls, as steps that each run once: a retried job
 * skips the steps already done, so nothing is posted twice and nothing is lost.
 */
export function createSlackDelivery(deps: SlackDeliveryDeps): SlackDelivery {
  const { client, store } = deps;

  async function call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toSlackError(err, method);
    }
  }

  /** Posts; if Slack rejects the blocks, posts the text alone rather than losing the message. */
  async function post(channel: string, message: SlackMessage, threadTs?: string): Promise<{ channel: string; ts: string }> {
    const base = { channel, text: message.text, unfurl_links: false, unfurl_media: false, ...(threadTs ? { thread_ts: threadTs } : {}) };
    const out = await call('chat.postMessage', async () => {
      try {
        return await client.chat.postMessage({ ...base, blocks: message.blocks as KnownBlock[] });
      } catch (err) {
        if ((err as { data?: { error?: string } }).data?.error === 'invalid_blocks') return client.chat.postMessage(base);
        throw err;
      }
    });
    return { channel: out.channel ?? channel, ts: out.ts ?? '' };
  }

  /**
   * The Slack user to DM; undefined when the person has no Slack account (a REST-only user):
   * retrying cannot help, and the local outbox already holds the message.
   */
  async function dmTarget(n: Stored, r: AccessRequest | undefined, whom: 'requester' | 'recipient'): Promise<string | undefined> {
    const toId = /^[UW][A-Z0-9]{2,}$/.test(n.to) ? n.to : undefined;
    const id = whom === 'requester' ? (r?.requester.slackUserId ?? toId) : toId;
    if (id) return id;
    const email = whom === 'requester' ? (r?.requester.email ?? (n.to.includes('@') ? n.to : undefined)) : n.to.includes('@') ? n.to : undefined;
    if (!email) return n.to; // a channel id
    try {
      const found = await client.users.lookupByEmail({ email });
      return found.user?.id;
    } catch (err) {
      if ((err as { data?: { error?: string } }).data?.error === 'users_not_found') return undefined;
      throw toSlackError(err, 'users.lookupByEmail');
    }
  }

  async function postToPerson(n: Stored, r: AccessRequest | undefined, message: SlackMessage, whom: 'requester' | 'recipient'): Promise<ThreadRef | undefined> {
    const to = whom === 'recipient' && /^[CGD][A-Z0-9]{2,}$/.test(n.to) ? n.to : await dmTarget(n, r, whom);
    if (!to) {
      deps.logger.info({ notificationId: n.id, kind: n.kind }, 'recipient has no Slack account; the message stays in the local outbox');
      return undefined;
    }
    return post(to, message);
  }

  function threadSteps(n: Stored, requestId: string, event: string, detail?: string): Step[] {
    const at = new Date().toISOString();
    return (['approvals', 'requests'] as ThreadName[]).map((name) => ({
      name: `thread-${name}`,
      run: async () => {
        const ref = await store.thread(requestId, name);
        if (ref) await post(ref.channel, threadUpdate(event, (n.data?.['at'] as string) ?? at, detail), ref.ts);
      },
    }));
  }

  function decisionOf(kind: CanonicalKind, r: AccessRequest, n: Stored): Decision {
    const last = r.approvals.at(-1);
    const at = r.decidedAt ?? r.updatedAt;
    if (kind === 'denied') return { outcome: 'denied', at: r.denial?.at ?? at, ...(r.denial ? { by: personOfActor(r.denial.by), reason: r.denial.reason } : {}) };
    if (kind === 'cancelled') return { outcome: 'cancelled', at };
    if (kind === 'expired') return { outcome: 'expired', at };
    const given = n.data?.['by'];
    const by = typeof given === 'string' && given ? personOf(given) : last ? personOfActor(last.by) : undefined;
    return { outcome: 'approved', at: last?.at ?? at, ...(by ? { by } : {}) };
  }

  /** How to connect, from the request's recorded resources: the password is never read here. */
  function connection(n: Stored, r: AccessRequest): ConnectionView | undefined {
    const d = n.data ?? {};
    const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
    const connect = (d['connect'] ?? {}) as { host?: unknown; port?: unknown };
    const host = r.resources.connect?.host ?? (typeof connect.host === 'string' ? connect.host : undefined);
    const port = r.resources.connect?.port ?? (typeof connect.port === 'number' ? connect.port : undefined);
    const user = r.resources.dbUser ?? str('user');
    // Credentials are sent just before the grant turns active: the end may not be recorded yet.
    const endsAt = r.endsAt ?? str('endsAt');
    if (!host || !port || !user) return undefined;
    const tunnel = r.resources.connectCommand;
    return { user, host, port, ...(endsAt ? { endsAt } : {}), ...(tunnel ? { tunnelCommand: tunnel } : {}) };
  }

  /** Rewrites the credentials and warning DMs once access is over: no live-looking buttons remain. */
  function endOfAccessUpdates(r: AccessRequest, s: RequestSummary, at: string, why?: string): Step[] {
    return (['credentials', 'warning'] as ThreadName[]).map((name) => ({
      name: `update-${name}`,
      run: async () => {
        const ref = await store.thread(r.id, name);
        if (!ref) return;
        const message = accessEndedUpdate(s, at, why);
        await call('chat.update', () => client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks }));
      },
    }));
  }

  /** Rewrites one message (e.g. an extension request once decided): text only, buttons gone. */
  function messageUpdate(n: Stored): Step[] {
    const channel = n.data?.['channel'];
    const ts = n.data?.['ts'];
    if (typeof channel !== 'string' || typeof ts !== 'string') return [];
    // The producer wrote this mrkdwn itself (mentions included) and escaped any user text.
    const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: n.text.slice(0, 3000) } }];
    return [{ name: 'update', run: async () => void (await call('chat.update', () => client.chat.update({ channel, ts, text: n.text, blocks }))) }];
  }

  function stepsWithoutRequest(n: Stored, kind: CanonicalKind): Step[] {
    if (kind === 'message-update') return messageUpdate(n);
    if (kind !== 'ephemeral') return [];
    const channel = n.data?.['channel'];
    const user = n.data?.['user'];
    if (typeof channel !== 'string' || typeof user !== 'string') return [];
    return [{ name: 'ephemeral', run: async () => void (await call('chat.postEphemeral', () => client.chat.postEphemeral({ channel, user, text: n.text }))) }];
  }

  async function stepsFor(n: Stored, r: AccessRequest | undefined): Promise<Step[]> {
    const kind = canonicalKind(n.kind);
    // A sensitive notification's text (e.g. credentials) is for the sealed outbox, never for Slack.
    const safeText = n.sensitive ? SENSITIVE_FALLBACK : n.text;
    const dm = (message: () => Promise<SlackMessage> | SlackMessage, keep: ThreadName = 'dm'): Step => ({
      name: 'dm',
      run: async () => {
        const ref = await postToPerson(n, r, await message(), 'requester');
        if (r && ref) await store.saveThread(r.id, keep, ref);
      },
    });
    if ((!r && kind !== 'ephemeral' && kind !== 'message-update') || kind === 'other') {
      // Unknown kind or request: the notification's own text, to its recipient, never lost.
      return [{ name: 'text', run: async () => void (await postToPerson(n, r, noticeDm(safeText), 'recipient')) }];
    }
    if (!r) return stepsWithoutRequest(n, kind);
    const s: RequestSummary = summarize(r);
    switch (kind) {
      case 'requested': {
        const once = `request-${r.id}-announced`;
        const steps: Step[] = [
          {
            name: 'approvals',
            onceFor: once,
            run: async () => {
              if (await store.thread(r.id, 'approvals')) return; // posted already (REST and Slack both announce)
              await store.saveThread(r.id, 'approvals', await post(deps.channels.approvals, approverMessage(s, deps.links)));
            },
          },
          { ...dm(() => requestedDm(s)), onceFor: once },
        ];
        if (deps.channels.requests) {
          const channel = deps.channels.requests;
          steps.splice(1, 0, {
            name: 'requests',
            onceFor: once,
            run: async () => {
              if (await store.thread(r.id, 'requests')) return;
              await store.saveThread(r.id, 'requests', await post(channel, publicRequestMessage(s)));
            },
          });
        }
        return steps;
      }
      case 'auto-approved': {
        // Every approver's copy and the requester's describe one event: announced once per request.
        const once = `request-${r.id}-auto-approved`;
        const rule = r.approvals.find((a) => a.by.policyRule)?.by.policyRule ?? String(n.data?.['policyRule'] ?? 'unknown');
        const steps: Step[] = [
          {
            name: 'approvals',
            onceFor: once,
            run: async () => {
              if (await store.thread(r.id, 'approvals')) return;
              await store.saveThread(r.id, 'approvals', await post(deps.channels.approvals, autoApprovedMessage(s, { id: rule }, deps.links)));
            },
          },
          { ...dm(() => autoApprovedDm(s, rule)), onceFor: once },
        ];
        if (deps.channels.requests) {
          const channel = deps.channels.requests;
          steps.splice(1, 0, {
            name: 'requests',
            onceFor: once,
            run: async () => {
              if (await store.thread(r.id, 'requests')) return;
              const ref = await post(channel, publicRequestMessage(s));
              await store.saveThread(r.id, 'requests', ref);
              await post(ref.channel, threadUpdate('approved', r.decidedAt ?? r.updatedAt, `by policy rule ${rule}`), ref.ts);
            },
          });
        }
        return steps;
      }
      case 'reminder': {
        // Re-read at delivery: a request decided since the reminder was queued gets none.
        if (r.state !== 'requested') return [];
        const attempt = Number(n.data?.['attempt'] ?? 0);
        const of = Number(n.data?.['of'] ?? attempt);
        const once = `request-${r.id}-reminder-${attempt}`;
        const steps: Step[] = [
          {
            name: 'approvals',
            onceFor: once,
            run: async () => {
              const ref = await store.thread(r.id, 'approvals');
              await post(ref?.channel ?? deps.channels.approvals, reminderMessage(s, attempt, of), ref?.ts);
            },
          },
        ];
        const escalate = n.data?.['escalate'] as { channel?: unknown; userGroup?: unknown } | undefined;
        if (escalate && typeof escalate === 'object') {
          const channel = typeof escalate.channel === 'string' ? escalate.channel : deps.channels.approvals;
          const userGroup = typeof escalate.userGroup === 'string' ? escalate.userGroup : undefined;
          steps.push({
            name: 'escalate',
            onceFor: once,
            run: async () => void (await post(channel, escalationMessage(s, { attempt, approversChannel: deps.channels.approvals, ...(userGroup ? { userGroup } : {}) }, deps.links))),
          });
        }
        return steps;
      }
      case 'approved':
      case 'denied':
      case 'cancelled':
      case 'expired': {
        const decision = decisionOf(kind, r, n);
        const update: Step = {
          name: 'update',
          run: async () => {
            const ref = await store.thread(r.id, 'approvals');
            if (!ref) return;
            // Still waiting for a second approval: show the progress, keep the buttons.
            const message = r.state === 'requested' ? approverMessage(s, deps.links) : decidedMessage(s, decision, deps.links);
            await call('chat.update', () => client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks }));
          },
        };
        const once = `request-${r.id}-${kind}-${r.approvals.length}`;
        const steps = [update, ...threadSteps(n, r.id, kind, decision.reason)].map((x) => ({ ...x, onceFor: once }));
        if (kind !== 'approved' || r.state !== 'requested') steps.push({ ...dm(() => noticeDm(safeText)), onceFor: once });
        return steps;
      }
      case 'credentials': {
        return [
          dm(() => {
            const c = connection(n, r);
            return c ? credentialsDm(s, c) : noticeDm(`Your access to ${r.target.clusterId}/${r.target.database} is ready; the connection details are in the platform's outbox.`);
          }, 'credentials'),
          ...threadSteps(n, r.id, 'active'),
        ];
      }
      case 'warning': {
        const endsAt = (n.data?.['endsAt'] as string | undefined) ?? r.endsAt ?? new Date().toISOString();
        const minutes = Math.max(1, Math.round((Date.parse(endsAt) - Date.now()) / 60_000));
        return [dm(() => warningDm(s, endsAt, minutes), 'warning'), ...threadSteps(n, r.id, 'warned')];
      }
      case 'ended': {
        const at = r.revokedAt ?? new Date().toISOString();
        const why = r.revokeReason?.replaceAll('_', ' ');
        return [...endOfAccessUpdates(r, s, at, why), dm(() => endedDm(s, at, why)), ...threadSteps(n, r.id, 'ended', why)];
      }
      case 'extension-requested': {
        const once = `request-${r.id}-extension-${r.pendingExtension?.requestedAt ?? 'none'}`;
        return [
          {
            name: 'approvals',
            onceFor: once,
            run: async () => {
              if (!r.pendingExtension) return;
              const ref = await store.thread(r.id, 'approvals');
              await post(ref?.channel ?? deps.channels.approvals, extensionMessage(s, r.pendingExtension.minutes, r.pendingExtension.reason), ref?.ts);
            },
          },
          ...threadSteps(n, r.id, 'extension requested', r.pendingExtension ? `${r.pendingExtension.minutes} min` : undefined)
            .filter((x) => x.name !== 'thread-approvals')
            .map((x) => ({ ...x, onceFor: once })),
        ];
      }
      case 'message-update':
        return messageUpdate(n);
      case 'ephemeral': {
        const channel = n.data?.['channel'];
        const user = n.data?.['user'];
        if (typeof channel !== 'string' || typeof user !== 'string') return [];
        return [{ name: 'ephemeral', run: async () => void (await call('chat.postEphemeral', () => client.chat.postEphemeral({ channel, user, text: n.text }))) }];
      }
      case 'extended':
        return [dm(() => noticeDm(safeText)), ...threadSteps(n, r.id, kind)];
      case 'failed':
        // A grant that failed after its credentials went out: their DM must not look live either.
        return [...endOfAccessUpdates(r, s, r.updatedAt, 'provisioning failed; everything created was removed'), dm(() => noticeDm(safeText)), ...threadSteps(n, r.id, kind, r.failureReason)];
    }
  }

  return {
    async deliver(notificationId, logger = deps.logger) {
      const n = await store.get(notificationId);
      if (!n || n.kind === 'delivered') return 'gone';
      const r = n.requestId && deps.loadRequest ? await deps.loadRequest(n.requestId) : undefined;
      for (const step of await stepsFor(n, r)) {
        const marker = step.onceFor ?? n.id;
        if (!(await store.claimStep(marker, step.name))) continue;
        try {
          await step.run();
        } catch (err) {
          await store.releaseStep(marker, step.name);
          throw err;
        }
        await store.markDone(marker, step.name);
      }
      if (n.sensitive) await store.forget(n.id);
      logger.info({ notificationId, kind: n.kind, requestId: n.requestId }, 'slack notification delivered');
      return 'delivered';
    },
  };
}
