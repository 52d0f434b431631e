import type { WebClient } from '@slack/web-api';
import { toSlackError } from './client';

export interface SlackPerson {
  slackUserId: string;
  email: string;
  name: string;
}

export interface UserDirectory {
  /** The person behind a Slack user id; the e-mail needs the `users:read.email` scope. */
  lookup(slackUserId: string): Promise<SlackPerson>;
}

/** `users.info`, cached briefly (a modal submission and the later DMs ask for the same user). */
export function createUserDirectory(deps: { client: WebClient; ttlMs?: number }): UserDirectory {
  const ttl = deps.ttlMs ?? 10 * 60_000;
  const cache = new Map<string, { at: number; person: SlackPerson }>();
  return {
    async lookup(slackUserId) {
      const hit = cache.get(slackUserId);
      if (hit && Date.now() - hit.at < ttl) return hit.person;
      let result;
      try {
        result = await deps.client.users.info({ user: slackUserId });
      } catch (err) {
        throw toSlackError(err, 'users.info');
      }
      const email = result.user?.profile?.email;
      if (!email) {
        throw new Error(`Slack returned no e-mail for ${slackUserId}: the app needs the users:read.email scope, and the user must have an e-mail.`);
      }
      const person = {
        slackUserId,
        email,
        name: result.user?.profile?.display_name || result.user?.real_name || result.user?.name || email,
      };
      cache.set(slackUserId, { at: Date.now(), person });
      return person;
    },
  };
}
