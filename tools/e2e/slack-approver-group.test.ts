/**
 * The Slack approver group (SLACK_APPROVER_USERS) gates every approver action before the REST
 * routes, the #15 ones included: a click by someone outside it decides nothing and each request it
 * names records the refusal. Signed requests go straight to approval-api's Slack routes.
 */
import { randomBytes } from 'node:crypto';
import { closeRedis, createRedis } from '@dbre/queue';
import { createSlackKit, type SlackKit } from '@dbre/slack';
import { waitFor } from '@dbre/testing';
import type { Redis } from 'ioredis';
import { registerApprovalSlackRoutes } from '../../apps/approval-api/src/slack/routes';
import { buttonClick, interaction, startSlackStandIn, type SlackStandIn } from '../slack-stand-in/src';
import { ALICE, startAccessStack, TOKEN, type AccessStack } from './access-stack';

jest.setTimeout(60_000);

const SECRET = `sign-${randomBytes(12).toString('hex')}`;
const APPROVALS = 'C0APPROVALS';
const TICKET = 'https://jira.example.com/browse/OPS-7070';

describe('the Slack approver group gates shorten and batch clicks', () => {
  let stack: AccessStack;
  let standIn: SlackStandIn;
  let kit: SlackKit;
  let producer: Redis;

  beforeAll(async () => {
    standIn = await startSlackStandIn({ users: [{ id: 'U0BOB', email: 'bob@example.com', name: 'bob' }, { id: 'U0CAROL', email: 'carol@example.com', name: 'carol' }] });
    stack = await startAccessStack({ minuteMs: 2000, provisioner: false, reaper: false });
    producer = createRedis('redis://127.0.0.1:6379', 'producer');
    await waitFor(() => producer.status === 'ready');
    // Bob is an approver by the platform's policy but not in the Slack approver group; Carol is in both.
    const settings = { botToken: 'xoxb-e2e', signingSecret: SECRET, apiUrl: standIn.url, approversChannel: APPROVALS, approverUsers: ['U0CAROL'], command: '/db-access' };
    kit = createSlackKit({ settings, redis: producer, prefix: stack.prefix, sealKey: randomBytes(32), logger: stack.logger, service: 'approval-api' });
    await registerApprovalSlackRoutes(stack.approvalApi, { kit, bridgeToken: TOKEN, audit: stack.audit, logger: stack.logger });
  });
  afterAll(async () => {
    if (!kit) return;
    await kit.queue.obliterate({ force: true });
    await kit.close();
    await stack.close();
    await closeRedis(producer);
    await standIn.close();
  });

  const click = (userId: string, actionId: string, value: string, selected?: string) => {
    const payload = buttonClick({ userId, actionId, value, channel: APPROVALS, messageTs: '1.000100' });
    if (selected) Object.assign(payload, { actions: [{ type: 'static_select', action_id: actionId, block_id: 'decide', selected_option: { value: selected }, action_ts: `${Date.now() / 1000}` }] });
    const signed = interaction(SECRET, payload);
    return stack.approvalApi.inject({ method: 'POST', url: '/slack/approvals/interactions', headers: signed.headers, payload: signed.body });
  };
  const refusals = async (id: string) => (await stack.audit.list(id)).filter((e) => e.kind === 'approval_refused').map((e) => [e.actor, e.data['code']]);

  it('refuses a batch click outside the group for every request it names, deciding none', async () => {
    const rs = [await stack.ask(ALICE, { ticketUrl: TICKET }), await stack.ask(ALICE, { ticketUrl: TICKET })];
    expect((await click('U0BOB', 'access_approve_batch', rs.map((r) => r.id).join(','))).statusCode).toBe(200);
    for (const r of rs) {
      expect(await stack.requests.get(r.id)).toMatchObject({ state: 'requested', approvals: [] });
      expect(await refusals(r.id)).toEqual([['bob@example.com', 'SLACK_NOT_IN_APPROVER_GROUP']]);
    }
    // A member's click decides both.
    expect((await click('U0CAROL', 'access_approve_batch', rs.map((r) => r.id).join(','))).statusCode).toBe(200);
    for (const r of rs) expect((await stack.requests.get(r.id))?.state).toBe('approved');
  });

  it('refuses "Approve for less" outside the group, and takes it from a member', async () => {
    const r = await stack.ask(ALICE, { durationMinutes: 8 });
    expect((await click('U0BOB', 'access_approve_for', '', `${r.id}:5`)).statusCode).toBe(200);
    expect(await stack.requests.get(r.id)).toMatchObject({ state: 'requested', approvals: [] });
    expect(await refusals(r.id)).toEqual([['bob@example.com', 'SLACK_NOT_IN_APPROVER_GROUP']]);
    expect((await click('U0CAROL', 'access_approve_for', '', `${r.id}:5`)).statusCode).toBe(200);
    expect(await stack.requests.get(r.id)).toMatchObject({ state: 'approved', approvedMinutes: 5 });
  });

  it('refuses a forged batch of more than 20 ids before anything is recorded', async () => {
    const r = await stack.ask(ALICE, { ticketUrl: TICKET });
    const ids = [r.id, ...Array.from({ length: 20 }, (_, i) => `01J${String(i).padStart(23, '0')}`)];
    expect((await click('U0CAROL', 'access_approve_batch', ids.join(','))).statusCode).toBe(200);
    expect(await stack.requests.get(r.id)).toMatchObject({ state: 'requested', approvals: [] });
    expect((await stack.audit.list(r.id)).map((e) => e.kind)).toEqual(['requested']);
  });
});
