import type { ActionsBlock, Button, ConfirmationDialog, KnownBlock, ModalView, SectionBlock, StaticSelect } from '@slack/types';
import { ACTIONS, escapeText, formatDuration, requestLink, shorterDurations, slackAgo, slackDate, VIEWS, who, type ChangeBatch, type MessageLinks, type Person, type RequestSummary } from './model';
import { credentialsSteps, PASSWORD_ELSEWHERE } from '@dbre/drivers';

/** A message: fallback text (notifications, screen readers) plus blocks. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const mrkdwn = (t: string) => ({ type: 'mrkdwn' as const, text: t });
const plain = (t: string) => ({ type: 'plain_text' as const, text: t.slice(0, 75), emoji: true });
const ENV: Record<string, string> = { dev: 'dev', stg: 'stg', prod: ':rotating_light: prod' };

function button(actionId: string, label: string, requestId: string, style?: 'primary' | 'danger', confirm?: ConfirmationDialog): Button {
  return { type: 'button', action_id: actionId, text: plain(label), value: requestId, ...(style ? { style } : {}), ...(confirm ? { confirm } : {}) };
}

/** Block Kit's confirm dialog: a destructive click asks first. */
function confirmDialog(title: string, text: string, confirm: string, deny: string, style: 'primary' | 'danger'): ConfirmationDialog {
  return { title: plain(title.slice(0, 100)), text: plain(text), confirm: plain(confirm.slice(0, 30)), deny: plain(deny.slice(0, 30)), style };
}

/** End now kills the open sessions and drops the user: it cannot be undone. */
export function endNowConfirm(r: { clusterId: string; database: string }): ConfirmationDialog {
  return confirmDialog(
    'End access now?',
    `Your access to ${r.clusterId} / ${r.database} ends at once: open sessions are killed and the database user is dropped. This cannot be undone.`,
    'End now',
    'Keep access',
    'danger',
  );
}

/** Approving in production grants access to production data. */
function prodApproveConfirm(r: RequestSummary, what: 'request' | 'extension'): ConfirmationDialog {
  const target = `${r.profile} on ${r.clusterId} / ${r.database}`;
  return confirmDialog(
    what === 'request' ? 'Approve production access?' : 'Approve the extension?',
    what === 'request' ? `Grant ${target} (production) for ${formatDuration(r.durationMinutes)}?` : `Extend ${target} (production)?`,
    'Approve',
    'Cancel',
    'primary',
  );
}

function endNowButton(r: { id: string; clusterId: string; database: string }): Button {
  return button(ACTIONS.end, 'End now', r.id, 'danger', endNowConfirm(r));
}

function summaryFields(r: RequestSummary): SectionBlock {
  return {
    type: 'section',
    fields: [
      mrkdwn(`*Requester*\n${who(r.requester)}`),
      mrkdwn(`*Cluster*\n\`${escapeText(r.clusterId)}\` (${ENV[r.environment] ?? r.environment})`),
      mrkdwn(`*Database*\n\`${escapeText(r.database)}\``),
      mrkdwn(`*Permission*\n${escapeText(r.profile)}`),
      mrkdwn(`*Duration*\n${r.approvedMinutes !== undefined && r.approvedMinutes < r.durationMinutes ? `${formatDuration(r.approvedMinutes)} approved of ${formatDuration(r.durationMinutes)} asked` : formatDuration(r.durationMinutes)}`),
      mrkdwn(`*Request*\n\`${escapeText(r.id)}\``),
      ...(r.startAt ? [mrkdwn(`*Starts*\n${slackDate(r.startAt)} (scheduled)`)] : []),
    ],
  };
}

/** "Approve for less…": only durations shorter than asked; picking one asks to confirm. */
function approveForSelect(r: RequestSummary): StaticSelect | undefined {
  const options = shorterDurations(r.durationMinutes).map((m) => ({ text: plain(formatDuration(m)), value: `${r.id}:${m}` }));
  if (!options.length) return undefined;
  return {
    type: 'static_select',
    action_id: ACTIONS.approveFor,
    placeholder: plain('Approve for less…'),
    options,
    confirm: confirmDialog('Approve for less time?', `Grant access for the shorter time you picked instead of the ${formatDuration(r.durationMinutes)} asked? The requester is told.`, 'Approve', 'Cancel', 'primary'),
  };
}

/** "Approve all N for <change>" when several pending requests share a ticket. */
function approveBatchButton(batch: ChangeBatch | undefined): Button | undefined {
  if (!batch || batch.ids.length < 2) return undefined;
  const label = batch.change.replace(/^https?:\/\/[^/]+\/(browse\/)?/, '');
  return {
    ...button(ACTIONS.approveBatch, `Approve all ${batch.ids.length} for ${label}`.slice(0, 75), batch.ids.join(',')),
    confirm: confirmDialog(`Approve ${batch.ids.length} requests?`, `Approve every pending request of ${batch.change.slice(0, 200)} (${batch.ids.length}), each for what it asked? Each is checked and recorded on its own.`, `Approve ${batch.ids.length}`, 'Cancel', 'primary'),
  };
}

function reasonBlock(r: RequestSummary): SectionBlock {
  return { type: 'section', text: mrkdwn(`*Reason*\n${escapeText(r.reason).slice(0, 2900)}`) };
}

function approvalProgress(r: RequestSummary): KnownBlock[] {
  const required = r.approvalsRequired ?? 1;
  if (required < 2) return [];
  const done = r.approvals ?? [];
  const by = done.map((a) => who(a.by)).join(', ');
  return [{ type: 'context', elements: [mrkdwn(`Needs ${required} approvals from different people: ${done.length}/${required}${by ? ` (${by})` : ''}`)] }];
}

/** When the request was made (Slack keeps "5 minutes ago" current), when it expires, the dashboard link. */
function waitingContext(r: RequestSummary, links?: MessageLinks): KnownBlock[] {
  const parts: string[] = [];
  if (r.requestedAt) parts.push(`Requested ${slackAgo(r.requestedAt)}`);
  if (r.reviewExpiresAt) parts.push(`expires ${slackDate(r.reviewExpiresAt)} if nobody decides`);
  const link = requestLink(links, r.id);
  if (link) parts.push(`<${link}|Open in the dashboard>`);
  return parts.length ? [{ type: 'context', elements: [mrkdwn(parts.join(' · '))] }] : [];
}

/** Posted in the private approvers' channel: who, what, why, with Approve / Deny. */
export function approverMessage(r: RequestSummary, links?: MessageLinks, batch?: ChangeBatch): SlackMessage {
  const shorter = approveForSelect(r);
  const all = approveBatchButton(batch);
  const actions: ActionsBlock = {
    type: 'actions',
    block_id: `decide:${r.id}`.slice(0, 255),
    elements: [
      button(ACTIONS.approve, 'Approve', r.id, 'primary', r.environment === 'prod' ? prodApproveConfirm(r, 'request') : undefined),
      ...(shorter ? [shorter] : []),
      button(ACTIONS.deny, 'Deny', r.id, 'danger'),
      ...(all ? [all] : []),
    ],
  };
  return {
    text: `Access request from ${who(r.requester)}: ${r.profile} on ${r.clusterId}/${r.database} (${r.environment}) for ${formatDuration(r.durationMinutes)}`,
    blocks: [
      { type: 'header', text: plain('Database access request') },
      summaryFields(r),
      reasonBlock(r),
      ...approvalProgress(r),
      ...waitingContext(r, links),
      actions,
    ],
  };
}

/** Posted in the approvers' channel when a policy rule approved a request: nothing to click, but seen. */
export function autoApprovedMessage(r: RequestSummary, rule: { id: string; description?: string }, links?: MessageLinks): SlackMessage {
  const link = requestLink(links, r.id);
  const ruleText = `\`${escapeText(rule.id)}\`${rule.description ? ` (${escapeText(rule.description).slice(0, 300)})` : ''}`;
  return {
    text: `Access request ${r.id} from ${r.requester.name ?? r.requester.email ?? 'someone'} approved by policy rule ${rule.id}`,
    blocks: [
      { type: 'header', text: plain('Database access approved by policy') },
      summaryFields(r),
      reasonBlock(r),
      { type: 'section', text: mrkdwn(`:robot_face: Approved by policy rule ${ruleText}${r.approvals?.[0] ? ` ${slackDate(r.approvals[0].at)}` : ''}. No approver was asked; the grant is provisioned, audited and revoked like any other.`) },
      ...(link ? [{ type: 'context' as const, elements: [mrkdwn(`<${link}|Open in the dashboard>`)] }] : []),
    ],
  };
}

/** DM to the requester whose request a policy rule approved. */
export function autoApprovedDm(r: RequestSummary, ruleId: string): SlackMessage {
  return noticeDm(`Your request ${r.id} for ${r.clusterId}/${r.database} was approved by policy rule ${ruleId}; the credentials follow in a moment.`);
}

/** A reminder in the request's approvers thread: it is still waiting. */
export function reminderMessage(r: RequestSummary, attempt: number, of: number): SlackMessage {
  const since = r.requestedAt ? `since ${slackAgo(r.requestedAt)}` : 'for a while';
  const expires = r.reviewExpiresAt ? `; it expires ${slackDate(r.reviewExpiresAt)} if nobody decides` : '';
  const line = `:bell: Reminder ${attempt}/${of}: ${who(r.requester)} has been waiting ${since} for ${escapeText(r.profile)} on \`${escapeText(r.clusterId)}\` / \`${escapeText(r.database)}\` (${ENV[r.environment] ?? r.environment})${expires}. Approve or deny on the request above.`;
  return { text: `Reminder ${attempt}/${of}: request ${r.id} is still waiting for approval`, blocks: [{ type: 'section', text: mrkdwn(line) }] };
}

/**
 * The escalation: a new message in another channel (or the approvers' channel), mentioning a user
 * group, pointing at the request in the approvers' channel.
 */
export function escalationMessage(r: RequestSummary, input: { attempt: number; userGroup?: string; approversChannel: string }, links?: MessageLinks): SlackMessage {
  const group = input.userGroup ? `<!subteam^${input.userGroup}> ` : '';
  const link = requestLink(links, r.id);
  const since = r.requestedAt ? ` since ${slackAgo(r.requestedAt)}` : '';
  return {
    text: `Escalated: access request ${r.id} is still waiting for approval`,
    blocks: [
      { type: 'section', text: mrkdwn(`:rotating_light: ${group}Access request \`${escapeText(r.id)}\` has been waiting${since} (reminder ${input.attempt}). Approve or deny it in <#${input.approversChannel}>.`) },
      summaryFields(r),
      reasonBlock(r),
      ...(link ? [{ type: 'context' as const, elements: [mrkdwn(`<${link}|Open in the dashboard>`)] }] : []),
    ],
  };
}

/** Posted in the public request channel; the request's life follows in its thread. */
export function publicRequestMessage(r: RequestSummary): SlackMessage {
  return {
    text: `${who(r.requester)} asked for ${r.profile} on ${r.clusterId}/${r.database} (${r.environment}) for ${formatDuration(r.durationMinutes)}`,
    blocks: [summaryFields(r), reasonBlock(r)],
  };
}

/** Posted in the request's approvers thread when the requester asks for more time. */
export function extensionMessage(r: RequestSummary, minutes: number, reason?: string): SlackMessage {
  return {
    text: `${who(r.requester)} asks to extend ${r.id} by ${formatDuration(minutes)}`,
    blocks: [
      { type: 'section', text: mrkdwn(`:arrows_counterclockwise: ${who(r.requester)} asks to extend access to \`${escapeText(r.clusterId)}\` / \`${escapeText(r.database)}\` by *${formatDuration(minutes)}*${reason ? `:\n>${escapeText(reason)}` : '.'}`) },
      ...approvalProgress(r),
      {
        type: 'actions',
        block_id: `extend:${r.id}`.slice(0, 255),
        elements: [
          button(ACTIONS.approve, 'Approve extension', r.id, 'primary', r.environment === 'prod' ? prodApproveConfirm(r, 'extension') : undefined),
          button(ACTIONS.deny, 'Deny extension', r.id, 'danger'),
        ],
      },
    ],
  };
}

export type Decision = { outcome: 'approved' | 'denied' | 'cancelled' | 'expired'; by?: Person; at: string; reason?: string };

const OUTCOME: Record<Decision['outcome'], string> = {
  approved: ':white_check_mark: *Approved*',
  denied: ':no_entry: *Denied*',
  cancelled: ':heavy_multiplication_x: *Cancelled by the requester*',
  expired: ':hourglass: *Expired* (not reviewed in time)',
};

/** The approver message after the decision (chat.update): outcome, who, when; no buttons. */
export function decidedMessage(r: RequestSummary, d: Decision, links?: MessageLinks): SlackMessage {
  const line = `${OUTCOME[d.outcome]}${d.by && d.outcome !== 'cancelled' ? ` by ${who(d.by)}` : ''} ${slackDate(d.at)}`;
  const link = requestLink(links, r.id);
  return {
    text: `Access request ${r.id} ${d.outcome}${d.by ? ` by ${d.by.name ?? d.by.email ?? d.by.slackUserId}` : ''}`,
    blocks: [
      { type: 'header', text: plain('Database access request') },
      summaryFields(r),
      reasonBlock(r),
      { type: 'section', text: mrkdwn(line + (d.reason ? `\n>${escapeText(d.reason).slice(0, 1000)}` : '')) },
      ...(link ? [{ type: 'context' as const, elements: [mrkdwn(`<${link}|Open in the dashboard>`)] }] : []),
    ],
  };
}

/** The small modal Deny opens; the reason is required. */
export function denyReasonModal(input: { requestId: string; channel: string; ts: string }): ModalView {
  return {
    type: 'modal',
    callback_id: VIEWS.denyReason,
    title: plain('Deny access'),
    submit: plain('Deny'),
    close: plain('Back'),
    private_metadata: JSON.stringify(input),
    blocks: [
      { type: 'section', text: mrkdwn(`Deny request \`${escapeText(input.requestId)}\`? The requester sees the reason.`) },
      {
        type: 'input',
        block_id: 'reason',
        label: plain('Reason'),
        element: { type: 'plain_text_input', action_id: 'reason', multiline: true, min_length: 3, max_length: 500 },
      },
    ],
  };
}

/** DM to the engineer after the modal is submitted, with Cancel. */
export function requestedDm(r: RequestSummary): SlackMessage {
  return {
    text: `Your request ${r.id} for ${r.clusterId}/${r.database} is waiting for approval.`,
    blocks: [
      { type: 'section', text: mrkdwn(`:hourglass_flowing_sand: Your request is waiting for approval.`) },
      summaryFields(r),
      { type: 'actions', elements: [button(ACTIONS.cancel, 'Cancel request', r.id)] },
    ],
  };
}

/** What the credentials DM shows: how to connect, never the password. */
export interface ConnectionView {
  user: string;
  host: string;
  port: number;
  /** The bastion's tunnel command (SSM port forwarding on AWS), when one is needed first. */
  tunnelCommand?: string;
  /** Unknown until the grant is active; the duration is shown instead. */
  endsAt?: string;
}

/** The connection steps of the one renderer (libs/drivers), as mrkdwn: the same steps the outbox text has. */
function stepsMrkdwn(r: RequestSummary, c: { host: string; port: number; user: string; tunnelCommand?: string }, password?: string): string {
  const { steps } = credentialsSteps({
    clusterId: r.clusterId,
    database: r.database,
    user: c.user,
    connect: { host: c.host, port: c.port },
    connectCommand: c.tunnelCommand ?? '',
    ...(password !== undefined ? { password } : {}),
  });
  const title = (t: string) => (t === PASSWORD_ELSEWHERE ? 'Click *Show credentials* to see the password; it is not kept in this conversation.' : escapeText(t));
  return steps.map((step, i) => `${i + 1}. ${title(step.title)}${step.command ? `\n\`\`\`${escapeText(step.command)}\`\`\`` : ''}`).join('\n');
}

/**
 * DM once the grant is active: the connection steps and a "Show credentials" button. The
 * password is never in the message (Slack history is searchable and exported): the button opens
 * a modal that reads it at that moment, and each opening is audited.
 */
export function credentialsDm(r: RequestSummary, c: ConnectionView): SlackMessage {
  const steps = stepsMrkdwn(r, c);
  return {
    text: `Your access to ${r.clusterId}/${r.database} is ready${c.endsAt ? ` until ${c.endsAt}` : ` for ${formatDuration(r.durationMinutes)}`}.`,
    blocks: [
      { type: 'header', text: plain('Your database access is ready') },
      summaryFields(r),
      {
        type: 'section',
        fields: [
          mrkdwn(`*User*\n\`${escapeText(c.user)}\``),
          mrkdwn(`*Host / port*\n\`${escapeText(c.host)}:${c.port}\``),
          mrkdwn(c.endsAt ? `*Ends*\n${slackDate(c.endsAt)}` : `*For*\n${formatDuration(r.durationMinutes)}`),
        ],
      },
      { type: 'section', text: mrkdwn(steps) },
      {
        type: 'actions',
        block_id: `credentials:${r.id}`.slice(0, 255),
        elements: [button(ACTIONS.showCredentials, 'Show credentials', r.id, 'primary'), button(ACTIONS.extend, 'Extend', r.id), endNowButton(r)],
      },
    ],
  };
}

/** What the credentials modal shows, read from the secret store when the button is clicked. */
export interface CredentialsView {
  user: string;
  password: string;
  host: string;
  port: number;
  /** The bastion's tunnel command (SSM port forwarding on AWS), when one is needed first. */
  tunnelCommand?: string;
  endsAt?: string;
}

/**
 * The modal "Show credentials" opens (views.open): a modal is not part of the conversation's
 * history, so the password leaves no trace in Slack once closed.
 */
export function credentialsModal(r: RequestSummary, c: CredentialsView): ModalView {
  return {
    type: 'modal',
    callback_id: VIEWS.credentials,
    title: plain('Database credentials'),
    close: plain('Done'),
    private_metadata: JSON.stringify({ requestId: r.id }),
    blocks: [
      { type: 'section', text: mrkdwn(`\`${escapeText(r.clusterId)}\` / \`${escapeText(r.database)}\` (${escapeText(r.profile)})${c.endsAt ? `, until ${slackDate(c.endsAt)}` : ''}`) },
      {
        type: 'section',
        fields: [mrkdwn(`*User*\n\`${escapeText(c.user)}\``), mrkdwn(`*Password*\n\`${escapeText(c.password)}\``), mrkdwn(`*Host / port*\n\`${escapeText(c.host)}:${c.port}\``)],
      },
      { type: 'section', text: mrkdwn(stepsMrkdwn(r, c, c.password)) },
      { type: 'context', elements: [mrkdwn('This window is not kept in Slack. Each opening is recorded in the request\'s audit trail.')] },
    ],
  };
}

/** A short modal when the credentials cannot be shown (ended, not yours, not ready). */
export function credentialsUnavailableModal(reason: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEWS.credentials,
    title: plain('Database credentials'),
    close: plain('Close'),
    blocks: [{ type: 'section', text: mrkdwn(escapeText(reason)) }],
  };
}

/**
 * The credentials and warning DMs once access is over (chat.update): what ended, when and why,
 * with no buttons left that look live.
 */
export function accessEndedUpdate(r: RequestSummary, at: string, why?: string): SlackMessage {
  return {
    text: `Your access to ${r.clusterId}/${r.database} has ended.`,
    blocks: [
      { type: 'header', text: plain('Database access ended') },
      summaryFields(r),
      { type: 'section', text: mrkdwn(`:lock: Ended ${slackDate(at)}${why ? ` (${escapeText(why)})` : ''}. The database user was dropped and its sessions closed; the credentials no longer work.`) },
    ],
  };
}

/** DM before the end (10 minutes by default) with Extend / End now. */
export function warningDm(r: RequestSummary, endsAt: string, minutesLeft: number): SlackMessage {
  return {
    text: `Your access to ${r.clusterId}/${r.database} ends in ${minutesLeft} minutes.`,
    blocks: [
      { type: 'section', text: mrkdwn(`:alarm_clock: Your access to \`${escapeText(r.clusterId)}\` / \`${escapeText(r.database)}\` ends ${slackDate(endsAt)} (in ${minutesLeft} min). Open sessions are killed then.`) },
      { type: 'actions', elements: [button(ACTIONS.extend, 'Extend', r.id, 'primary'), endNowButton(r)] },
    ],
  };
}

/** DM at the end of access. */
export function endedDm(r: RequestSummary, at: string, why?: string): SlackMessage {
  return {
    text: `Your access to ${r.clusterId}/${r.database} has ended.`,
    blocks: [
      { type: 'section', text: mrkdwn(`:lock: Your access to \`${escapeText(r.clusterId)}\` / \`${escapeText(r.database)}\` ended ${slackDate(at)}${why ? ` (${escapeText(why)})` : ''}. The user was dropped and its sessions closed.`) },
    ],
  };
}

/** A plain DM for outcomes without actions (denied, failed, extended...). */
export function noticeDm(textLine: string): SlackMessage {
  return { text: textLine, blocks: [{ type: 'section', text: mrkdwn(escapeText(textLine)) }] };
}

const EVENT: Record<string, string> = {
  requested: ':inbox_tray: requested',
  approved: ':white_check_mark: approved',
  denied: ':no_entry: denied',
  cancelled: ':heavy_multiplication_x: cancelled',
  expired: ':hourglass: expired',
  provisioning: ':gear: provisioning',
  active: ':large_green_circle: active',
  warned: ':alarm_clock: end warning sent',
  extended: ':arrows_counterclockwise: extended',
  revoking: ':lock: revoking',
  revoked: ':lock: ended',
  ended: ':lock: ended',
  failed: ':x: failed',
};

/** A line in the request's thread (approvers' channel and request channel). */
export function threadUpdate(event: string, at: string, detail?: string): SlackMessage {
  const label = EVENT[event] ?? escapeText(event);
  return {
    text: `${event}${detail ? `: ${detail}` : ''}`,
    blocks: [{ type: 'context', elements: [mrkdwn(`${label} ${slackDate(at)}${detail ? ` — ${escapeText(detail).slice(0, 2000)}` : ''}`)] }],
  };
}

/** `/db-access list`: the engineer's own active grants, each with End now. */
export function grantsList(grants: RequestSummary[]): SlackMessage {
  if (!grants.length) return { text: 'You have no active database access.', blocks: [{ type: 'section', text: mrkdwn('You have no active database access.') }] };
  return {
    text: `You have ${grants.length} active grant(s).`,
    blocks: grants.slice(0, 20).flatMap((g): KnownBlock[] => [
      {
        type: 'section',
        text: mrkdwn(`\`${escapeText(g.clusterId)}\` / \`${escapeText(g.database)}\` — ${escapeText(g.profile)}${g.endsAt ? `, ends ${slackDate(g.endsAt)}` : ''} (${escapeText(g.state ?? 'active')})`),
        accessory: endNowButton(g),
      },
    ]),
  };
}

export function helpMessage(command = '/db-access'): SlackMessage {
  const lines = [
    `*${command}* — ask for temporary access to a database: pick the cluster, database, permission, duration and reason; an approver decides in the approvers' channel.`,
    `*${command} list* — your active grants, with End now.`,
    `*${command} help* — this text.`,
    'You get the credentials by direct message when access is active, a warning 10 minutes before the end (Extend / End now), and a message when it ends.',
  ];
  return { text: lines.join('\n'), blocks: [{ type: 'section', text: mrkdwn(lines.join('\n')) }] };
}
