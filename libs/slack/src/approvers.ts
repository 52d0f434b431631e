import type { WebClient } from '@slack/web-api';
import { toSlackError } from './client';

export interface ApproverSource {
  /** A Slack user group id (S…) whose members may approve; resolved and cached. */
  usergroupId?: string;
  /** Or/and a fixed list of Slack user ids from config. */
  userIds?: string[];
}

export interface ApproverDirectory {
  /** Whether the Slack user may decide requests of this source. */
  isApprover(slackUserId: string): Promise<boolean>;
  /** Current members (cached). */
  members(): Promise<Set<string>>;
}

/**
 * Approver membership: the config list plus the members of a Slack user group
 * (`usergroups.users.list`, cached for `ttlMs`). When Slack cannot be asked, the last known
 * members are used; with none known, nobody from the group is an approver (fail closed).
 */
export function createApproverDirectory(deps: { client?: WebClient; source: ApproverSource; ttlMs?: number; now?: () => number }): ApproverDirectory {
  const ttl = deps.ttlMs ?? 5 * 60_000;
  const now = deps.now ?? Date.now;
  const fixed = new Set(deps.source.userIds ?? []);
  let cache: { at: number; users: Set<string> } | undefined;
  let inflight: Promise<Set<string>> | undefined;

  async function groupMembers(): Promise<Set<string>> {
    const group = deps.source.usergroupId;
    const client = deps.client;
    if (!group || !client) return new Set();
    if (cache && now() - cache.at < ttl) return cache.users;
    inflight ??= (async () => {
      try {
        const result = await client.usergroups.users.list({ usergroup: group });
        cache = { at: now(), users: new Set(result.users ?? []) };
        return cache.users;
      } catch (err) {
        if (cache) return cache.users;
        throw toSlackError(err, 'usergroups.users.list');
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  return {
    async members() {
      return new Set([...fixed, ...(await groupMembers())]);
    },
    async isApprover(slackUserId) {
      if (fixed.has(slackUserId)) return true;
      return (await groupMembers()).has(slackUserId);
    },
  };
}
