import { approvedFor, BATCH_MAX_REQUESTS } from '@dbre/access';
import type { AccessRequest } from '@dbre/domain';
import type { HttpApp, Logger } from '@dbre/service-kit';
import type { AuditLog } from '@dbre/store';
import {
  ACTIONS,
  createRestBridge,
  denyReasonModal,
  escapeText,
  parseInteraction,
  privateMetadata,
  registerSlackInbound,
  slackDate,
  SLACK_APPROVALS_PREFIX,
  toSlackError,
  VIEWS,
  type ActingPerson,
  type BlockAction,
  type SlackKit,
  type ViewSubmission,
} from '@dbre/slack';

export interface ApprovalSlackDeps {
  kit: SlackKit;
  /** The bearer token of the `slack` tool in API_TOKENS: Slack decides through the REST routes. */
  bridgeToken: string;
  /** Records clicks refused by the Slack approver group before they reach the REST routes. */
  audit: AuditLog;
  logger: Logger;
}

/**
 * The approver side of the Slack app: Approve / Deny in the private approvers' channel and the
 * deny-reason modal. A click decides through the very same REST route as any other tool
 * (policy, self-approval, two approvals for prod, audit); a refused click gets an ephemeral
 * explanation; an accepted one updates the message in place through the notify queue.
 */
export async function registerApprovalSlackRoutes(app: HttpApp, deps: ApprovalSlackDeps): Promise<void> {
  const { kit, logger } = deps;
  const bridge = createRestBridge(app, deps.bridgeToken);
  const gated = Boolean(kit.settings.approverUsergroup || kit.settings.approverUsers.length);

  async function person(slackUserId: string): Promise<ActingPerson> {
    const p = await kit.users.lookup(slackUserId);
    return { email: p.email, slackUserId, name: p.name };
  }

  async function tell(channel: string | undefined, user: string, text: string, key: string): Promise<void> {
    if (!channel) return;
    await kit.notifier.send({ id: `slack-ephemeral-${key}`, kind: 'ephemeral', to: channel, text, data: { channel, user } });
  }

  /** The Slack approver group (when configured) is checked before the platform's own policy. */
  async function refusedByGroup(requestIds: string | string[], me: ActingPerson, action: string): Promise<string | undefined> {
    if (!gated) return undefined;
    let member = false;
    try {
      member = await kit.approvers.isApprover(me.slackUserId);
    } catch (err) {
      logger.warn({ err }, 'could not resolve the Slack approver group');
      return 'The approver group could not be checked with Slack right now; try again in a minute.';
    }
    if (member) return undefined;
    // A batch click is refused for every request it names, and each one's chain says so.
    for (const requestId of typeof requestIds === 'string' ? [requestIds] : requestIds) {
      await deps.audit.append(requestId, {
        key: `approval_refused:slack-group:${me.slackUserId}:${Date.now()}`,
        kind: 'approval_refused',
        actor: me.email,
        data: { via: 'slack', action, code: 'SLACK_NOT_IN_APPROVER_GROUP', slackUserId: me.slackUserId },
      });
    }
    return 'Only members of the approvers group can decide access requests.';
  }

  async function decided(
    requestId: string,
    kind: 'approved' | 'denied',
    r: AccessRequest | undefined,
    ref: { channel?: string | undefined; ts?: string | undefined },
    by: ActingPerson,
    reason?: string,
  ): Promise<void> {
    // An extension was decided (the grant stays active): rewrite the extension message only;
    // the lifecycle's own `extended` / `extension-refused` notifications tell the requester.
    if (r?.state === 'active') {
      if (!ref.channel || !ref.ts) return;
      const outcome = kind === 'denied' ? `:no_entry: Extension denied by <@${by.slackUserId}>${reason ? `: ${escapeText(reason)}` : ''}` : r.pendingExtension ? `:white_check_mark: Extension approved by <@${by.slackUserId}>; it needs another approval.` : `:white_check_mark: Extension approved by <@${by.slackUserId}>; access now ends ${r.endsAt ? slackDate(r.endsAt) : 'later'}.`;
      await kit.notifier.send({ id: `slack-extension-${kind}-${requestId}-${ref.ts}-${by.slackUserId}`, kind: 'message-update', to: ref.channel, requestId, text: outcome, data: { channel: ref.channel, ts: ref.ts } });
      return;
    }
    // The click says where the message is; keep it so the update and later thread posts find it.
    if (ref.channel && ref.ts && !(await kit.store.thread(requestId, 'approvals'))) await kit.store.saveThread(requestId, 'approvals', { channel: ref.channel, ts: ref.ts });
    const n = r?.approvals.length ?? 0;
    const text = kind === 'denied' ? `Your access request ${requestId} was denied${r?.denial ? `: ${r.denial.reason}` : '.'}` : `Your access request ${requestId} was approved${r ? approvedFor(r) : ''}${r?.startAt ? `; it starts ${slackDate(r.startAt)}` : ''}.`;
    await kit.notifier.send({ id: `slack-${kind}-${requestId}-${n}`, kind, to: r?.requester.email ?? '', requestId, text });
  }

  // Under /slack/approvals: the edge routes that prefix to approval-api (infra/main.tf), and
  // request-api forwards the approver side of the one Slack app there.
  await registerSlackInbound(app, { signingSecret: kit.settings.signingSecret, replayCache: kit.replayCache, prefix: SLACK_APPROVALS_PREFIX, tellUser: (channel, user, text) => tell(channel, user, text, `${user}-unknown-${Date.now()}`) }, (slack) => {
    slack.post('/interactions', { schema: { hide: true } }, async (request, reply) => {
      const payload = parseInteraction(request.body);
      if (payload.type === 'block_actions') await onAction(payload);
      if (payload.type === 'view_submission') return reply.send(await onSubmit(payload));
      return reply.status(200).send();
    });
  });

  async function onAction(payload: BlockAction): Promise<void> {
    const action = payload.actions[0];
    if (action?.action_id === ACTIONS.approveFor) return onApproveFor(payload);
    if (action?.action_id === ACTIONS.approveBatch) return onApproveBatch(payload);
    const requestId = action?.value;
    if (!action || !requestId || !REQUEST_ID.test(requestId)) return;
    if (action.action_id !== ACTIONS.approve && action.action_id !== ACTIONS.deny) return;
    const channel = payload.container?.channel_id ?? payload.channel?.id;
    const ts = payload.container?.message_ts ?? payload.message?.ts;
    const key = `${payload.user.id}-${action.action_id}-${(action as { action_ts?: string }).action_ts ?? Date.now()}`;
    const me = await person(payload.user.id);

    const refusal = await refusedByGroup(requestId, me, action.action_id === ACTIONS.approve ? 'approve' : 'deny');
    if (refusal) return tell(channel, me.slackUserId, refusal, key);

    if (action.action_id === ACTIONS.approve) {
      const res = await bridge.call<AccessRequest | { request: AccessRequest }>('POST', `/v1/access-requests/${requestId}/approve`, me, {});
      if (res.status >= 300) return tell(channel, me.slackUserId, res.detail ?? 'Your approval was refused.', key);
      return decided(requestId, 'approved', requestOf(res.body), { channel, ts }, me);
    }
    // Deny asks for a reason first; the trigger id expires in 3 s, so the modal opens now.
    if (!payload.trigger_id) return;
    try {
      await kit.ui.views.open({ trigger_id: payload.trigger_id, view: denyReasonModal({ requestId, channel: channel ?? '', ts: ts ?? '' }) });
    } catch (err) {
      logger.warn({ err: toSlackError(err, 'views.open') }, 'could not open the deny modal');
      await tell(channel, me.slackUserId, 'Slack did not open the deny form in time; please click Deny again.', key);
    }
  }

  /** "Approve for less…": the picked option is `<id>:<minutes>`; the REST route checks it is no longer than asked. */
  async function onApproveFor(payload: BlockAction): Promise<void> {
    const action = payload.actions[0];
    const picked = /^([0-9A-HJKMNP-TV-Z]{26}):([1-9][0-9]{0,5})$/.exec(action?.selected_option?.value ?? '');
    if (!action || !picked) return;
    const [, requestId = '', minutes = ''] = picked;
    const channel = payload.container?.channel_id ?? payload.channel?.id;
    const ts = payload.container?.message_ts ?? payload.message?.ts;
    const key = `${payload.user.id}-${action.action_id}-${(action as { action_ts?: string }).action_ts ?? Date.now()}`;
    const me = await person(payload.user.id);
    const refusal = await refusedByGroup(requestId, me, 'approve');
    if (refusal) return tell(channel, me.slackUserId, refusal, key);
    const res = await bridge.call<AccessRequest>('POST', `/v1/access-requests/${requestId}/approve`, me, { durationMinutes: Number(minutes) });
    if (res.status >= 300) return tell(channel, me.slackUserId, res.detail ?? 'Your approval was refused.', key);
    return decided(requestId, 'approved', requestOf(res.body), { channel, ts }, me);
  }

  /** "Approve all N for <ticket>": one REST batch; the clicker hears what was approved and what was refused, and why. */
  async function onApproveBatch(payload: BlockAction): Promise<void> {
    const action = payload.actions[0];
    const ids = [...new Set((action?.value ?? '').split(',').filter((id) => REQUEST_ID.test(id)))];
    if (!action || ids.length === 0) return;
    const channel = payload.container?.channel_id ?? payload.channel?.id;
    const key = `${payload.user.id}-${action.action_id}-${(action as { action_ts?: string }).action_ts ?? Date.now()}`;
    const me = await person(payload.user.id);
    if (ids.length > BATCH_MAX_REQUESTS) return tell(channel, me.slackUserId, `A batch approves at most ${BATCH_MAX_REQUESTS} requests; approve these one by one.`, key);
    const refusal = await refusedByGroup(ids, me, 'approve');
    if (refusal) return tell(channel, me.slackUserId, refusal, key);
    const res = await bridge.call<{ outcomes: Array<{ id: string; outcome: string; reason?: string; request?: AccessRequest }> }>('POST', '/v1/access-requests/batch-decisions', me, { decision: 'approve', ids });
    if (res.status >= 300 || !res.body) return tell(channel, me.slackUserId, res.detail ?? 'The batch approval was refused.', key);
    const outcomes = res.body.outcomes;
    const done = outcomes.filter((o) => o.outcome !== 'refused');
    for (const o of done) {
      const thread = await kit.store.thread(o.id, 'approvals');
      await decided(o.id, 'approved', o.request, thread ?? {}, me);
    }
    const lines = outcomes.map((o) => `• \`${o.id}\`: ${o.outcome === 'refused' ? `not approved — ${escapeText(o.reason ?? 'refused')}` : o.outcome === 'approval_recorded' ? 'approval recorded; it needs another approver' : 'approved'}`);
    return tell(channel, me.slackUserId, `Approved ${done.length} of ${outcomes.length}:\n${lines.join('\n')}`.slice(0, 3000), key);
  }

  async function onSubmit(payload: ViewSubmission): Promise<unknown> {
    if (payload.view.callback_id !== VIEWS.denyReason) return { response_action: 'clear' };
    const meta = privateMetadata(payload.view);
    const reason = payload.view.state.values['reason']?.['reason']?.value?.trim() ?? '';
    if (!meta.requestId) return { response_action: 'errors', errors: { reason: 'This form lost its request; click Deny again.' } };
    const me = await person(payload.user.id);
    const refusal = await refusedByGroup(meta.requestId, me, 'deny');
    if (refusal) return { response_action: 'errors', errors: { reason: refusal } };
    const res = await bridge.call<AccessRequest | { request: AccessRequest }>('POST', `/v1/access-requests/${meta.requestId}/deny`, me, { reason });
    if (res.status >= 300) return { response_action: 'errors', errors: { reason: (res.detail ?? 'The denial was refused.').slice(0, 150) } };
    await decided(meta.requestId, 'denied', requestOf(res.body), { channel: meta.channel, ts: meta.ts }, me, reason);
    return { response_action: 'clear' };
  }
}

const REQUEST_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The REST answer is the request itself or `{ request }`. */
function requestOf(body: AccessRequest | { request: AccessRequest } | undefined): AccessRequest | undefined {
  if (!body) return undefined;
  return 'request' in body ? body.request : body;
}
