import { grantedMinutes, type AccessPolicy, type AccessRequest } from '@dbre/domain';
import type { Inventory, SecretStore } from '@dbre/drivers';
import type { HttpApp, Logger } from '@dbre/service-kit';
import type { AuditLog } from '@dbre/store';
import {
  ACTIONS,
  clusterOptions,
  createRestBridge,
  databaseOptions,
  credentialsModal,
  credentialsUnavailableModal,
  forwardSlackRequest,
  grantsList,
  helpMessage,
  isApproverInteraction,
  isSchemaReviewInteraction,
  modalErrors,
  parseInteraction,
  privateMetadata,
  readRequestModal,
  registerSlackInbound,
  REQUEST_FIELDS,
  requestModal,
  SLACK_APPROVALS_PREFIX,
  SLACK_REVIEWS_PREFIX,
  slashCommandSchema,
  summarize,
  toSlackError,
  VIEWS,
  type ActingPerson,
  type BlockAction,
  type SlackKit,
  type ViewSubmission,
} from '@dbre/slack';
import type { DatabaseDirectory } from './database-directory';
import { extendModal } from './extend-modal';
import { extensionChoices, modalInput } from './modal-options';
import { problemsByField } from './problems';

export interface RequestSlackDeps {
  kit: SlackKit;
  /** The bearer token of the `slack` tool in API_TOKENS: Slack acts through the REST routes. */
  bridgeToken: string;
  policy: AccessPolicy;
  inventory: Inventory;
  /** Where "Show credentials" reads the password, at the moment of the click. */
  secrets: SecretStore;
  /** Each opening of the credentials is recorded on the request's chain. */
  audit: AuditLog;
  /** The clusters' databases from the latest docs snapshot; without it the database is typed. */
  databases?: DatabaseDirectory | undefined;
  logger: Logger;
}

/**
 * The engineer side of the Slack app: `/db-access` (modal, `list`, `help`) and the
 * interactions of the request modal and of the engineer's messages (Cancel, End now, Extend).
 * Every change goes through this service's own REST routes (see RestBridge).
 */
export async function registerRequestSlackRoutes(app: HttpApp, deps: RequestSlackDeps): Promise<void> {
  const { kit, logger } = deps;
  const bridge = createRestBridge(app, deps.bridgeToken);

  async function person(slackUserId: string): Promise<ActingPerson> {
    const p = await kit.users.lookup(slackUserId);
    return { email: p.email, slackUserId, name: p.name };
  }

  /** An ephemeral answer through the notify queue (retried like every outbound message). */
  async function tell(channel: string | undefined, user: string, text: string, key: string): Promise<void> {
    if (!channel) return;
    await kit.notifier.send({ id: `slack-ephemeral-${key}`, kind: 'ephemeral', to: channel, text, data: { channel, user } });
  }

  await registerSlackInbound(app, { signingSecret: kit.settings.signingSecret, replayCache: kit.replayCache, tellUser: (channel, user, text) => tell(channel, user, text, `${user}-unknown-${Date.now()}`) }, (slack) => {
    slack.post('/commands', { schema: { hide: true } }, async (request, reply) => {
      const cmd = slashCommandSchema.parse(request.body);
      const sub = cmd.text.trim().toLowerCase();
      if (sub === 'help') return { response_type: 'ephemeral', ...helpMessage(cmd.command) };
      if (sub === 'list') {
        const me = await person(cmd.user_id);
        const res = await bridge.call<{ items: AccessRequest[] }>('GET', `/v1/access-requests?requester=${encodeURIComponent(me.email)}&state=active`, me);
        if (res.status !== 200) return { response_type: 'ephemeral', text: `Could not list your grants: ${res.detail ?? res.status}` };
        return { response_type: 'ephemeral', ...grantsList(res.body.items.map(summarize)) };
      }
      if (sub !== '') {
        const help = helpMessage(cmd.command);
        return { response_type: 'ephemeral', text: `Unknown option "${cmd.text.trim().slice(0, 40)}".\n${help.text}`, blocks: help.blocks };
      }
      // The trigger id expires after 3 seconds: open the modal now, not through the queue.
      try {
        const view = requestModal({ ...(await modalInput(deps.policy, deps.inventory)), privateMetadata: JSON.stringify({ channel: cmd.channel_id }), databaseMenu: deps.databases !== undefined });
        await kit.ui.views.open({ trigger_id: cmd.trigger_id, view });
      } catch (err) {
        logger.warn({ err: toSlackError(err, 'views.open') }, 'could not open the request modal');
        return { response_type: 'ephemeral', text: 'Slack did not open the request form in time; please run the command again.' };
      }
      return reply.status(200).send();
    });

    slack.post('/interactions', { schema: { hide: true } }, async (request, reply) => {
      const payload = parseInteraction(request.body);
      // One Slack app, one interactivity URL: Approve / Deny belong to approval-api.
      if (isApproverInteraction(payload, { approve: ACTIONS.approve, deny: ACTIONS.deny, denyReasonView: VIEWS.denyReason, more: [ACTIONS.approveFor, ACTIONS.approveBatch] })) {
        const target = kit.settings.approvalApiUrl;
        if (!target) {
          logger.error({ type: payload.type }, 'an approver interaction arrived but SLACK_APPROVAL_API_URL is not set');
          return payload.type === 'view_submission' ? reply.send({ response_action: 'errors', errors: { reason: 'Approvals are not reachable from Slack right now.' } }) : reply.status(200).send();
        }
        try {
          const answer = await forwardSlackRequest(request, `${target.replace(/\/$/, '')}${SLACK_APPROVALS_PREFIX}/interactions`, { cache: kit.replayCache, to: 'approval-api' });
          return reply.status(answer.status).type(answer.contentType).send(answer.body);
        } catch (err) {
          logger.error({ err: { message: (err as Error).message } }, 'could not forward an approver interaction to approval-api');
          return reply.status(503).send();
        }
      }
      // The /schema-review modal belongs to schema-review: forwarded the same way, by callback id.
      if (isSchemaReviewInteraction(payload, VIEWS.schemaReview)) {
        const target = kit.settings.schemaReviewUrl;
        const inline = (why: string) => (payload.type === 'view_submission' ? reply.send({ response_action: 'errors', errors: { ddl: why } }) : reply.status(200).send());
        if (!target) {
          logger.error({ type: payload.type }, 'a schema review interaction arrived but SLACK_SCHEMA_REVIEW_URL is not set');
          return inline('Schema review is not connected to this Slack app (SLACK_SCHEMA_REVIEW_URL is not set); ask the platform team.');
        }
        try {
          const answer = await forwardSlackRequest(request, `${target.replace(/\/$/, '')}${SLACK_REVIEWS_PREFIX}/interactions`, { cache: kit.replayCache, to: 'schema-review' });
          return reply.status(answer.status).type(answer.contentType).send(answer.body);
        } catch (err) {
          logger.error({ err: { message: (err as Error).message } }, 'could not forward a schema review interaction to schema-review');
          return inline('Schema review did not answer in time; please submit again in a minute.');
        }
      }
      // The cluster menu searches the inventory as the person types (answered within Slack's 3 s).
      if (payload.type === 'block_suggestion') {
        if (payload.action_id === REQUEST_FIELDS.database) {
          const clusterId = payload.view?.state.values[REQUEST_FIELDS.cluster]?.[ACTIONS.clusterSelect]?.selected_option?.value;
          if (!clusterId) return reply.send({ options: [{ text: { type: 'plain_text', text: 'Choose a cluster first' }, value: '*' }] });
          return reply.send(databaseOptions(await deps.databases?.list(clusterId), payload.value));
        }
        if (payload.action_id !== ACTIONS.clusterSelect) return reply.send({ options: [] });
        const clusters = await deps.inventory.list();
        return reply.send(clusterOptions(clusters.map((c) => ({ id: c.id, environment: c.environment, ...(c.description ? { description: c.description } : {}) })), payload.value));
      }
      if (payload.type === 'view_submission') return reply.send(await onSubmit(payload));
      if (payload.type === 'block_actions') await onAction(payload);
      return reply.status(200).send();
    });
  });

  async function onSubmit(payload: ViewSubmission): Promise<unknown> {
    const view = payload.view;
    if (view.callback_id === VIEWS.request) {
      // A second submission of the same view state (double click, resend) never makes a second request.
      if (!(await kit.replayCache.claim(`view:${view.id}:${view.hash ?? ''}`))) return { response_action: 'clear' };
      const values = readRequestModal(view.state.values);
      const me = await person(payload.user.id);
      const res = await bridge.call<AccessRequest & { problems?: string[]; errors?: Array<{ path: string; message: string }> }>('POST', '/v1/access-requests', me, {
        clusterId: values.clusterId,
        database: values.database ?? '*',
        profile: values.profile,
        ...(values.durationMinutes ? { durationMinutes: values.durationMinutes } : {}),
        reason: values.reason ?? '',
        ...(values.ticketUrl ? { ticketUrl: values.ticketUrl } : {}),
        ...(values.startAt ? { startAt: values.startAt } : {}),
      });
      if (res.status === 201) {
        logger.info({ requestId: res.body.id, slackUserId: me.slackUserId }, 'access request created from Slack');
        return { response_action: 'clear' };
      }
      if (res.status >= 500) return modalErrors({ cluster: 'The platform could not record the request; please try again in a minute.' });
      return modalErrors(problemsByField({ ...res.body, ...(res.detail ? { detail: res.detail } : {}) }));
    }
    if (view.callback_id === VIEWS.extend) {
      const { requestId } = privateMetadata(view);
      if (!requestId || !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(requestId)) return { response_action: 'errors', errors: { minutes: 'This form lost its request; click Extend again.' } };
      const minutes = Number(view.state.values['minutes']?.['minutes']?.selected_option?.value);
      const reason = view.state.values['reason']?.['reason']?.value ?? undefined;
      const me = await person(payload.user.id);
      const res = await bridge.call('POST', `/v1/access-requests/${requestId}/extend`, me, { minutes, ...(reason ? { reason } : {}) });
      if (res.status < 300) return { response_action: 'clear' };
      return { response_action: 'errors', errors: { minutes: (res.detail ?? 'The extension was refused.').slice(0, 150) } };
    }
    return { response_action: 'clear' };
  }

  /**
   * "Show credentials": the password is read from the secret store now and shown in a modal,
   * which Slack does not keep in the conversation. Only the requester sees it, only while the
   * grant is active, and every opening is audited before the modal opens.
   */
  async function showCredentials(requestId: string, me: ActingPerson, triggerId: string | undefined, actionTs: string): Promise<void> {
    if (!triggerId) return;
    const open = (view: Parameters<typeof kit.ui.views.open>[0]['view']) =>
      kit.ui.views.open({ trigger_id: triggerId, view }).catch((err: unknown) => {
        logger.warn({ err: toSlackError(err, 'views.open'), requestId }, 'could not open the credentials modal');
      });
    const res = await bridge.call<{ request: AccessRequest }>('GET', `/v1/access-requests/${requestId}`, me);
    const r = res.body?.request;
    if (res.status !== 200 || !r) return void (await open(credentialsUnavailableModal(res.detail ?? 'This request could not be read.')));
    const mine = r.requester.slackUserId ? r.requester.slackUserId === me.slackUserId : r.requester.email === me.email.toLowerCase();
    const key = `credentials_viewed:slack:${me.slackUserId}:${actionTs}`.replace(/[^A-Za-z0-9:._@-]/g, '_').slice(0, 200);
    if (!mine) {
      await deps.audit.append(requestId, { key, kind: 'credentials_viewed', actor: me.email, data: { via: 'slack', slackUserId: me.slackUserId, refused: 'not the requester' } });
      return void (await open(credentialsUnavailableModal('Only the engineer who asked for this access can see its credentials.')));
    }
    const { dbUser, connect, secretId } = r.resources;
    if (r.state !== 'active' || !dbUser || !connect || !secretId) {
      const why = r.state === 'revoked' || r.state === 'revoking' ? 'This access has ended: the user was dropped and the credentials no longer work.' : `This grant is ${r.state}; credentials exist only while it is active.`;
      return void (await open(credentialsUnavailableModal(why)));
    }
    const password = await deps.secrets.get(secretId);
    if (!password) return void (await open(credentialsUnavailableModal('The credentials are gone from the secret store: the access is ending.')));
    await deps.audit.append(requestId, { key, kind: 'credentials_viewed', actor: me.email, data: { via: 'slack', slackUserId: me.slackUserId } });
    const tunnel = r.resources.connectCommand;
    await open(credentialsModal(summarize(r), { user: dbUser, password, host: connect.host, port: connect.port, ...(tunnel ? { tunnelCommand: tunnel } : {}), ...(r.endsAt ? { endsAt: r.endsAt } : {}) }));
    logger.info({ requestId, slackUserId: me.slackUserId }, 'credentials shown to the requester in a Slack modal');
  }

  async function onAction(payload: BlockAction): Promise<void> {
    const action = payload.actions[0];
    if (!action) return;
    const channel = payload.container?.channel_id ?? payload.channel?.id;
    const key = `${payload.user.id}-${action.action_id}-${(action as { action_ts?: string }).action_ts ?? Date.now()}`;

    if (action.action_id === ACTIONS.clusterSelect && payload.view) {
      const clusterId = action.selected_option?.value;
      if (!clusterId) return;
      const view = requestModal({ ...(await modalInput(deps.policy, deps.inventory, { clusterId })), privateMetadata: payload.view.private_metadata, databaseMenu: deps.databases !== undefined });
      await kit.ui.views.update({ view_id: payload.view.id, ...(payload.view.hash ? { hash: payload.view.hash } : {}), view }).catch((err: unknown) => {
        logger.warn({ err: toSlackError(err, 'views.update') }, 'could not narrow the durations of the request modal');
      });
      return;
    }
    const requestId = action.value;
    if (!requestId || !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(requestId)) return;
    const me = await person(payload.user.id);

    if (action.action_id === ACTIONS.showCredentials) {
      await showCredentials(requestId, me, payload.trigger_id, (action as { action_ts?: string }).action_ts ?? String(Date.now()));
      return;
    }

    if (action.action_id === ACTIONS.cancel) {
      const res = await bridge.call<AccessRequest>('POST', `/v1/access-requests/${requestId}/cancel`, me);
      if (res.status === 200) {
        await kit.notifier.send({ id: `slack-cancelled-${requestId}`, kind: 'cancelled', to: me.email, requestId, text: `Your request ${requestId} is cancelled.` });
      } else await tell(channel, me.slackUserId, res.detail ?? 'The request could not be cancelled.', key);
      return;
    }
    if (action.action_id === ACTIONS.end) {
      const res = await bridge.call('POST', `/v1/access-requests/${requestId}/end`, me);
      await tell(channel, me.slackUserId, res.status < 300 ? 'Ending your access now; you will get a message when it is gone.' : (res.detail ?? 'The grant could not be ended.'), key);
      return;
    }
    if (action.action_id === ACTIONS.extend) {
      const res = await bridge.call<{ request: AccessRequest }>('GET', `/v1/access-requests/${requestId}`, me);
      const r = res.body?.request;
      if (res.status !== 200 || !r || r.state !== 'active' || !payload.trigger_id) {
        await tell(channel, me.slackUserId, r ? `This grant is ${r.state}; only an active grant can be extended.` : (res.detail ?? 'Unknown request.'), key);
        return;
      }
      const granted = grantedMinutes(r) + r.extensions.reduce((sum, e) => sum + e.minutes, 0); // what was approved, not asked
      const choices = extensionChoices(deps.policy, r.target.environment, granted);
      if (!choices.length) {
        await tell(channel, me.slackUserId, `This grant already has the ${r.target.environment} maximum duration; ask for a new one instead.`, key);
        return;
      }
      await kit.ui.views.open({ trigger_id: payload.trigger_id, view: extendModal({ requestId, clusterId: r.target.clusterId, database: r.target.database, choices }) });
    }
  }
}
