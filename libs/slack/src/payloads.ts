import { z } from 'zod';
import { SlackAdapterError } from './errors';

/** The form Slack posts for a slash command (fields this platform reads). */
export const slashCommandSchema = z.object({
  command: z.string().min(1),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  team_id: z.string().optional(),
  channel_id: z.string().optional(),
  response_url: z.string().optional(),
  trigger_id: z.string().min(1),
});
export type SlashCommand = z.output<typeof slashCommandSchema>;

const user = z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional(), team_id: z.string().optional() });

const stateValues = z.record(
  z.string(),
  z.record(
    z.string(),
    z.object({ type: z.string(), value: z.string().nullish(), selected_option: z.object({ value: z.string() }).nullish(), selected_date_time: z.number().int().nullish() }).passthrough(),
  ),
);

const view = z
  .object({
    id: z.string(),
    callback_id: z.string().default(''),
    private_metadata: z.string().default(''),
    hash: z.string().optional(),
    state: z.object({ values: stateValues }).default({ values: {} }),
  })
  .passthrough();

const blockActions = z.object({
  type: z.literal('block_actions'),
  user,
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
  container: z
    .object({ type: z.string(), message_ts: z.string().optional(), channel_id: z.string().optional(), view_id: z.string().optional(), is_ephemeral: z.boolean().optional() })
    .passthrough()
    .optional(),
  channel: z.object({ id: z.string() }).passthrough().optional(),
  message: z.object({ ts: z.string() }).passthrough().optional(),
  view: view.optional(),
  actions: z
    .array(
      z
        .object({ action_id: z.string(), block_id: z.string().optional(), value: z.string().optional(), selected_option: z.object({ value: z.string() }).nullish() })
        .passthrough(),
    )
    .min(1),
});

const viewSubmission = z.object({ type: z.literal('view_submission'), user, trigger_id: z.string().optional(), view });
const viewClosed = z.object({ type: z.literal('view_closed'), user, view });
/** An external select asking for its options as the person types (the options load URL). */
const blockSuggestion = z.object({ type: z.literal('block_suggestion'), user, action_id: z.string(), block_id: z.string().optional(), value: z.string().max(200).default(''), view: view.optional() });

export const interactionSchema = z.discriminatedUnion('type', [blockActions, viewSubmission, viewClosed, blockSuggestion]);
export type Interaction = z.output<typeof interactionSchema>;
export type BlockAction = z.output<typeof blockActions>;
export type ViewSubmission = z.output<typeof viewSubmission>;
export type BlockSuggestion = z.output<typeof blockSuggestion>;

/**
 * A view's private metadata (JSON this app wrote into the modal), read defensively: anything that is
 * not a JSON object of strings — a forged submission — reads as empty, and the caller refuses it.
 */
export function privateMetadata(view: { private_metadata?: string }): Record<string, string | undefined> {
  try {
    const value: unknown = JSON.parse(view.private_metadata || '{}');
    if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

/** Reads the `payload` field of an interaction POST; a malformed one is a 400 with a reason. */
export function parseInteraction(body: unknown): Interaction {
  const payload = (body as { payload?: unknown } | undefined)?.payload;
  if (typeof payload !== 'string') throw new SlackAdapterError('SLACK_PAYLOAD_INVALID', 'invalid', 'The interaction has no payload field.');
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (err) {
    throw new SlackAdapterError('SLACK_PAYLOAD_INVALID', 'invalid', 'The interaction payload is not JSON.', { cause: err });
  }
  const parsed = interactionSchema.safeParse(json);
  if (!parsed.success) {
    throw new SlackAdapterError('SLACK_PAYLOAD_INVALID', 'invalid', `Unsupported interaction: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Interactions of the /schema-review modal (served by schema-review), by the view's callback id. */
export function isSchemaReviewInteraction(i: Interaction, schemaReviewView: string): boolean {
  return i.view?.callback_id === schemaReviewView;
}

/** Interactions that belong to the approver side (approval-api) of the one Slack app. */
export function isApproverInteraction(i: Interaction, ids: { approve: string; deny: string; denyReasonView: string; more?: readonly string[] }): boolean {
  if (i.type === 'block_actions') return i.actions.some((a) => a.action_id === ids.approve || a.action_id === ids.deny || (ids.more ?? []).includes(a.action_id));
  if (i.type === 'block_suggestion') return false;
  return i.view.callback_id === ids.denyReasonView;
}
