import { createHmac } from 'node:crypto';

/**
 * Inbound requests built exactly as Slack builds them: form-encoded bodies (interactions carry
 * a JSON `payload` field), `X-Slack-Request-Timestamp` and `X-Slack-Signature` =
 * `v0=` + hex HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`). Written independently
 * of the platform's verifier so the tests do not check the code with itself.
 */
export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

export function signBody(signingSecret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): SignedRequest {
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestampSeconds),
      'x-slack-signature': signature,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    },
  };
}

let trigger = 0;
export const triggerId = () => `${Date.now()}.${++trigger}.standin`;

export interface SlashCommandFields {
  command?: string;
  text?: string;
  user_id: string;
  user_name?: string;
  channel_id?: string;
  team_id?: string;
  trigger_id?: string;
  response_url?: string;
}

export function slashCommand(signingSecret: string, fields: SlashCommandFields, timestampSeconds?: number): SignedRequest {
  const form = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: fields.team_id ?? 'T0STANDIN',
    team_domain: 'standin',
    channel_id: fields.channel_id ?? 'C0REQUESTS',
    channel_name: 'db-access',
    user_id: fields.user_id,
    user_name: fields.user_name ?? fields.user_id.toLowerCase(),
    command: fields.command ?? '/db-access',
    text: fields.text ?? '',
    api_app_id: 'A0STANDIN',
    is_enterprise_install: 'false',
    response_url: fields.response_url ?? 'https://hooks.slack.com/commands/T0STANDIN/1/standin',
    trigger_id: fields.trigger_id ?? triggerId(),
  });
  return signBody(signingSecret, form.toString(), timestampSeconds);
}

export function interaction(signingSecret: string, payload: Record<string, unknown>, timestampSeconds?: number): SignedRequest {
  return signBody(signingSecret, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), timestampSeconds);
}

/** A button click on a message, as Slack sends `block_actions`. */
export function buttonClick(input: { userId: string; actionId: string; value: string; channel: string; messageTs: string; blockId?: string }): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: input.userId, username: input.userId.toLowerCase(), team_id: 'T0STANDIN' },
    api_app_id: 'A0STANDIN',
    team: { id: 'T0STANDIN', domain: 'standin' },
    trigger_id: triggerId(),
    response_url: 'https://hooks.slack.com/actions/T0STANDIN/1/standin',
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channel, is_ephemeral: false },
    channel: { id: input.channel, name: 'channel' },
    message: { type: 'message', ts: input.messageTs, text: '' },
    actions: [{ type: 'button', action_id: input.actionId, block_id: input.blockId ?? 'actions', value: input.value, action_ts: String(Date.now() / 1000) }],
  };
}

/** A modal submission; `values` as Slack nests them: block id → action id → value. */
export function viewSubmission(input: {
  userId: string;
  callbackId: string;
  viewId?: string;
  privateMetadata?: string;
  values: Record<string, Record<string, { type: string; value?: string | null; selected_option?: { value: string } | null }>>;
}): Record<string, unknown> {
  return {
    type: 'view_submission',
    user: { id: input.userId, username: input.userId.toLowerCase(), team_id: 'T0STANDIN' },
    api_app_id: 'A0STANDIN',
    team: { id: 'T0STANDIN', domain: 'standin' },
    trigger_id: triggerId(),
    view: {
      id: input.viewId ?? 'V1',
      type: 'modal',
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata ?? '',
      hash: 'h1',
      state: { values: input.values },
    },
    response_urls: [],
  };
}
