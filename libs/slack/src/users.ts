import type { WebClient } from '@slack/web-api';
import { toSlackError } from './client';
import { SlackAdapterError } from './errors';

export interface SlackPerson {
  slackUserId: string;
  email: string;
  name: string;
}

export interface UserDirectory {
  /** The person behind a Slack user id; the e-mail needs the `users:read.email` scope. */
  lookup(slackUserId: string): Promise<SlackPerson>;
}

/** Raised when Slack cannot tell who a user is: the Slack routes answer it with a refusal message. */
function unknownUser(slackUserId: string, cause?: unknown): SlackAdapterError {
  return new SlackAdapterError(
    'SLACK_USER_UNKNOWN',
    'forbidden',
    `Slack could not tell who you are (user ${slackUserId.slice(0, 20)}: no e-mail address visible to the app), so the platform cannot act for you. Ask the platform team.`,
    cause === undefined ? undefined : { cause },
  );
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
        const failure = toSlackError(err, 'users.info');
        // Slack answered and does not know this user (user_not_found, a deleted or foreign user): a refusal, not a failure.
        if (failure.code === 'SLACK_CALL_FAILED') throw unknownUser(slackUserId, failure);
        throw failure;
      }
      const email = result.user?.profile?.email;
      if (!email || result.user?.deleted) throw unknownUser(slackUserId);
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
