/**
 * Issue #15 from Slack: a request submitted in the /db-access modal that a policy rule approves
 * (announced in the approvers' channel, naming the rule), and reminders in the approvers' thread
 * with an escalation, stopped by the approver's click. Signed requests built as Slack builds
 * them, the real apps and workers, the real @slack/web-api client against the recording stand-in.
 */
import { randomBytes } from 'node:crypto';
import type { Worker } from 'bullmq';
import { parseSection, readPlatformFile } from '@dbre/config';
import { accessPolicySchema } from '@dbre/domain';
import { createConfigInventory } from '@dbre/drivers';
import { closeRedis, closeWorker, createRedis } from '@dbre/queue';
import { alsoToSlack, createSlackDelivery, createSlackKit, createSlackNotifyWorker, type SlackKit } from '@dbre/slack';
import { waitFor } from '@dbre/testing';
import type { Redis } from 'ioredis';
import { registerRequestSlackRoutes } from '../../apps/request-api/src/slack/routes';
import { registerApprovalSlackRoutes } from '../../apps/approval-api/src/slack/routes';
import { buttonClick, interaction, startSlackStandIn, viewSubmission, type RecordedCall, type SlackStandIn } from '../slack-stand-in/src';
import { actionIds, text } from './slack-calls';
import { ALICE, DAVE, startAccessStack, TOKEN, type AccessStack } from './access-stack';

jest.setTimeout(90_000);

const SECRET = `sign-${randomBytes(12).toString('hex')}`;
const APPROVALS = 'C0APPROVALS';
const REQUESTS = 'C0REQUESTS';
const ESCALATION = 'C0ESCAL8';


describe('auto-approval and reminders in Slack', () => {
  let stack: AccessStack;
  let standIn: SlackStandIn;
  let kit: SlackKit;
  let approvalKit: SlackKit;
  let producer: Redis;
  let workerConn: Redis;
  let worker: Worker;

  beforeAll(async () => {
    standIn = await startSlackStandIn({
      users: [
        { id: 'U0ALICE', email: ALICE, name: 'alice' },
        { id: 'U0BOB', email: 'bob@example.com', name: 'bob' },
        { id: 'U0DAVE', email: DAVE, name: 'dave' },
        { id: 'U0CAROL', email: 'carol@example.com', name: 'carol' },
      ],
    });
    // Reminders 1, 4 and 13 policy minutes of 1.5 s after the request (1.5, 6, 19.5 s); the second escalates.
    stack = await startAccessStack({
      minuteMs: 1500,
      groups: { devs: [ALICE] },
      autoApprove: [{ id: 'dev-read', environments: ['dev'], profiles: ['read'], maxMinutes: 2, requesterGroups: ['devs'] }],
      renotify: { afterMinutes: 1, backoff: 3, max: 3, escalateTo: { attempt: 2, channel: ESCALATION, userGroup: 'S0LEADS' } },
    });
    producer = createRedis('redis://127.0.0.1:6379', 'producer');
    workerConn = createRedis('redis://127.0.0.1:6379', 'worker');
    await waitFor(() => producer.status === 'ready');
    const settings = { botToken: 'xoxb-e2e', signingSecret: SECRET, apiUrl: standIn.url, approversChannel: APPROVALS, requestsChannel: REQUESTS, approverUsers: [], command: '/db-access' };
    const sealKey = randomBytes(32);
    approvalKit = createSlackKit({ settings, redis: producer, prefix: stack.prefix, sealKey, logger: stack.logger, service: 'approval-api' });
    await registerApprovalSlackRoutes(stack.approvalApi, { kit: approvalKit, bridgeToken: TOKEN, audit: stack.audit, logger: stack.logger });
    const approvalUrl = await stack.approvalApi.listen({ host: '127.0.0.1', port: 0 });
    kit = createSlackKit({ settings: { ...settings, approvalApiUrl: approvalUrl }, redis: producer, prefix: stack.prefix, sealKey, logger: stack.logger, service: 'request-api' });
    Object.assign(stack.outbox, alsoToSlack({ ...stack.outbox }, kit.notifier, stack.logger));
    const platformFile = String(stack.childEnv()['PLATFORM_CONFIG']);
    const policy = parseSection(platformFile, 'access', accessPolicySchema, readPlatformFile(platformFile));
    expect(policy.autoApprove.map((r) => r.id)).toEqual(['dev-read']); // the platform file carries the rule
    const inventory = createConfigInventory({ path: platformFile, env: {} });
    await registerRequestSlackRoutes(stack.requestApi, { kit, bridgeToken: TOKEN, policy, inventory, secrets: stack.secrets, audit: stack.audit, logger: stack.logger });
    const delivery = createSlackDelivery({ client: kit.client, store: kit.store, channels: { approvals: APPROVALS, requests: REQUESTS }, loadRequest: (id) => stack.requests.get(id), logger: stack.logger });
    worker = createSlackNotifyWorker({ connection: workerConn, prefix: stack.prefix, logger: stack.logger, delivery, baseDelayMs: 50 });
  });

  afterAll(async () => {
    if (!worker) return;
    await closeWorker(worker, 5000);
    await kit.queue.obliterate({ force: true });
    await kit.close();
    await approvalKit.close();
    await stack.close();
    await closeRedis(workerConn);
    await closeRedis(producer);
    await standIn.close();
  });

  const post = (url: string, signed: { headers: Record<string, string>; body: string }) => stack.requestApi.inject({ method: 'POST', url, headers: signed.headers, payload: signed.body });
  const posted = (pred: (c: RecordedCall) => boolean) => standIn.accepted('chat.postMessage').filter(pred);
  const submit = (userId: string, profile: string, hash: string) => {
    const values = {
      cluster: { access_cluster: { type: 'static_select', selected_option: { value: 'devdb' } } },
      database: { database: { type: 'plain_text_input', value: stack.databases.granted } },
      profile: { profile: { type: 'static_select', selected_option: { value: profile } } },
      duration: { duration: { type: 'static_select', selected_option: { value: '2' } } },
      reason: { reason: { type: 'plain_text_input', value: 'investigate OPS-4321 slow checkout' } },
    };
    return post('/slack/interactions', interaction(SECRET, { ...viewSubmission({ userId, callbackId: 'access_request', values }), view: { id: `V${hash}`, hash, callback_id: 'access_request', private_metadata: '', state: { values } } }));
  };
  const requestsOf = async (email: string) => (await stack.requests.listByRequester(email, { limit: 50 })).items;

  it('the modal submission a rule covers is approved at once; the approvers channel says which rule, with nothing to click', async () => {
    const res = await submit('U0ALICE', 'read', 'h-auto');
    expect(res.json()).toEqual({ response_action: 'clear' });
    const [created] = await requestsOf(ALICE);
    expect(created?.approvals[0]?.by).toEqual({ policyRule: 'dev-read', displayName: 'policy:dev-read' });
    const announce = await waitFor(() => posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'])[0], { what: 'the announcement' });
    expect(text(announce)).toContain('Database access approved by policy');
    expect(text(announce)).toContain('Approved by policy rule `dev-read`');
    expect(text(announce)).toContain('<@U0ALICE>');
    expect(actionIds(announce)).toEqual([]);
    const dm = await waitFor(() => posted((c) => c.args['channel'] === 'U0ALICE' && String(c.args['text']).includes('approved by policy rule dev-read'))[0], { what: 'the requester DM' });
    expect(actionIds(dm)).toEqual([]);
    const publicPost = await waitFor(() => posted((c) => c.args['channel'] === REQUESTS && !c.args['thread_ts'])[0], { what: 'the public post' });
    await waitFor(() => posted((c) => c.args['channel'] === REQUESTS && c.args['thread_ts'] === publicPost.result?.['ts'] && text(c).includes('by policy rule dev-read'))[0], { what: 'the public thread line' });
    await stack.waitState(created!.id, 'active');
    // The grant's life follows in the announcement's thread.
    await waitFor(() => posted((c) => c.args['channel'] === APPROVALS && c.args['thread_ts'] === announce.result?.['ts'] && text(c).includes('active'))[0], { what: 'the active line in the approvers thread' });
    // One announcement although three approvers and the requester were notified.
    expect(posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'])).toHaveLength(1);
    expect(posted((c) => c.args['channel'] === 'U0ALICE' && String(c.args['text']).includes('approved by policy'))).toHaveLength(1);
  });

  it('a request the rule does not cover is reminded in its thread, escalated, and never reminded after Bob approves', async () => {
    expect((await submit('U0DAVE', 'write', 'h-remind')).json()).toEqual({ response_action: 'clear' });
    const [created] = await requestsOf(DAVE);
    const id = created!.id;
    expect(created!.state).toBe('requested');
    const approverPost = await waitFor(() => posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'] && actionIds(c).includes('access_approve'))[0], { what: 'the approver message' });
    const ts = String(approverPost.result?.['ts']);
    const remindersIn = () => posted((c) => c.args['channel'] === APPROVALS && c.args['thread_ts'] === ts && String(c.args['text']).startsWith('Reminder'));
    await waitFor(() => remindersIn().length >= 2, { timeoutMs: 30_000, what: 'two reminders in the thread' });
    expect(remindersIn().map((c) => c.args['text'])).toEqual([`Reminder 1/3: request ${id} is still waiting for approval`, `Reminder 2/3: request ${id} is still waiting for approval`]);
    expect(text(remindersIn()[0])).toContain('<@U0DAVE> has been waiting');
    const escalation = await waitFor(() => posted((c) => c.args['channel'] === ESCALATION)[0], { what: 'the escalation' });
    expect(text(escalation)).toContain('<!subteam^S0LEADS>');
    expect(text(escalation)).toContain(`<#${APPROVALS}>`);
    expect(text(escalation)).toContain(id);
    expect(posted((c) => c.args['channel'] === ESCALATION)).toHaveLength(1); // only from the second reminder on, and the second is the only one so far

    // Bob approves with a signed click on the original message.
    const click = interaction(SECRET, buttonClick({ userId: 'U0BOB', actionId: 'access_approve', value: id, channel: APPROVALS, messageTs: ts }));
    expect((await post('/slack/interactions', click)).statusCode).toBe(200);
    await waitFor(() => standIn.accepted('chat.update').find((c) => c.args['ts'] === ts), { what: 'the approver message update' });
    // The third reminder is due 13 policy minutes (19.5 s) after the request; waiting for its time
    // checks nothing here: once it is queued it runs now, after the decision, as it would then.
    const queued = await waitFor(() => stack.queues.renotify.getJob(`renotify-${id}-3`), { what: 'the third reminder job to be queued' });
    await queued.promote().catch(() => undefined); // already due: nothing to bring forward
    const third = await waitFor(async () => {
      const j = await stack.queues.renotify.getJob(`renotify-${id}-3`);
      return j && (await j.getState()) === 'completed' ? stack.queues.renotify.getJob(`renotify-${id}-3`) : undefined;
    }, { timeoutMs: 60_000, what: 'the third reminder job to finish' });
    expect(third.returnvalue).toBe('stopped');
    await waitFor(async () => (await kit.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).waiting === 0, { what: 'the notify queue drained' });
    expect((await stack.requests.require(id)).approvals.map((a) => a.by.email)).toEqual(['bob@example.com']);
    expect(remindersIn()).toHaveLength(2);
    expect(posted((c) => String(c.args['text']).startsWith('Reminder 3/3'))).toEqual([]);
    expect((await stack.audit.list(id)).filter((e) => e.kind === 'renotified').map((e) => e.key)).toEqual(['renotified:1', 'renotified:2']);
  });

  it('a forged reminder click or announcement does not exist: an unsigned interaction is 401 and changes nothing', async () => {
    const [created] = await requestsOf(DAVE);
    // The request approved above is still being provisioned (its chain grows meanwhile): compare what a click could
    // change, the approvals and the events of the approver it claims to be.
    const byBob = async () => (await stack.audit.list(created!.id)).filter((e) => e.actor === 'bob@example.com').map((e) => e.key);
    const before = { approvals: (await stack.requests.require(created!.id)).approvals, events: await byBob() };
    const forged = interaction('not-the-secret-at-all', buttonClick({ userId: 'U0BOB', actionId: 'access_approve', value: created!.id, channel: APPROVALS, messageTs: '1' }));
    expect((await post('/slack/interactions', forged)).statusCode).toBe(401);
    expect({ approvals: (await stack.requests.require(created!.id)).approvals, events: await byBob() }).toEqual(before);
    expect(before.events).toEqual(['approved:bob@example.com']);
  });
});
