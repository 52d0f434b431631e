import { WebClient } from '@slack/web-api';
import { startSlackStandIn, type SlackStandIn } from '../src';

describe('Slack Web API stand-in', () => {
  let standIn: SlackStandIn;
  let client: WebClient;

  beforeAll(async () => {
    standIn = await startSlackStandIn({ users: [{ id: 'U0ALICE', email: 'alice@example.com', name: 'alice' }], usergroups: { S0DBRE: ['U0ALICE'] } });
    client = new WebClient('xoxb-test', { slackApiUrl: standIn.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  });
  afterAll(() => standIn.close());
  beforeEach(() => standIn.reset());

  it('records calls of the real WebClient with blocks decoded', async () => {
    const out = await client.chat.postMessage({ channel: 'C0APPROVE', text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }] });
    expect(out.ok).toBe(true);
    expect(out.ts).toMatch(/^\d+\.\d{6}$/);
    const [call] = standIn.accepted('chat.postMessage');
    expect(call?.token).toBe('xoxb-test');
    expect(call?.args['blocks']).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }]);
  });

  it('answers users.info, users.lookupByEmail and usergroups.users.list from its directory', async () => {
    expect((await client.users.info({ user: 'U0ALICE' })).user?.profile?.email).toBe('alice@example.com');
    expect((await client.users.lookupByEmail({ email: 'ALICE@example.com' })).user?.id).toBe('U0ALICE');
    expect((await client.usergroups.users.list({ usergroup: 'S0DBRE' })).users).toEqual(['U0ALICE']);
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({ code: 'slack_webapi_platform_error', data: { error: 'user_not_found' } });
  });

  it('answers 429 with Retry-After, 500 and ok:false when told to, then works again', async () => {
    standIn.fail('chat.postMessage', { status: 429, retryAfterSeconds: 7 });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
    standIn.fail('*', { status: 500 });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({ code: 'slack_webapi_http_error', statusCode: 500 });
    standIn.fail('chat.update', { status: 200, error: 'message_not_found', times: 2 });
    await expect(client.chat.update({ channel: 'C1', ts: '1.0', text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    await expect(client.chat.update({ channel: 'C1', ts: '1.0', text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    expect((await client.chat.update({ channel: 'C1', ts: '1.0', text: 'x' })).ok).toBe(true);
    expect(standIn.calls.map((c) => c.status)).toEqual([429, 500, 200, 200, 200]);
  });

  it('refuses calls without a token', async () => {
    const anonymous = new WebClient(undefined, { slackApiUrl: standIn.url, retryConfig: { retries: 0 } });
    await expect(anonymous.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({ data: { error: 'not_authed' } });
  });

  it('opens views with an id', async () => {
    const out = await client.views.open({ trigger_id: 't', view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } });
    expect(out.view?.id).toMatch(/^V\d+$/);
    expect(standIn.accepted('views.open')[0]?.args['view']).toMatchObject({ type: 'modal' });
  });
});
