import { z } from 'zod';
import { freeText } from './free-text';

/** The person acting, vouched for by the calling tool. */
export const actingHeaders = z.object({
  'x-acting-user': z.email('X-Acting-User must be the e-mail of the person acting').max(254).transform((e) => e.toLowerCase()),
  'x-acting-name': freeText({ max: 200 }).optional(),
  'x-acting-slack-id': z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'X-Acting-Slack-Id must be a Slack user id').optional(),
});

/** The acting person as the domain's `Actor` expects it. */
export interface ActingPerson {
  email: string;
  slackUserId?: string;
  displayName?: string;
}

export function actorFrom(headers: z.output<typeof actingHeaders>): ActingPerson {
  return {
    email: headers['x-acting-user'],
    ...(headers['x-acting-slack-id'] ? { slackUserId: headers['x-acting-slack-id'] } : {}),
    ...(headers['x-acting-name'] ? { displayName: headers['x-acting-name'] } : {}),
  };
}
