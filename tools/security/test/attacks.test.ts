import type { AccessRequest } from '@dbre/domain';
import { uniqueName, waitFor } from '@dbre/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite builds each app through its own buildApp, and signs like Slack with the stand-in
import { buttonClick, interaction, slashCommand, viewSubmission } from '../../slack-stand-in/src';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite builds each app through its own buildApp, and signs like Slack with the stand-in
import { ADMIN, aRequest, basic } from '../../../apps/ops-dashboard/test/helpers';
import { ALICE, DAVE, lacking, SECRET, startPlatform, tokenOf, type Platform } from './platform';

const FULL = { authorization: `Bearer ${tokenOf('full')}` };
const create = { clusterId: 'devdb', database: '', profile: 'read', durationMinutes: 10, reason: 'investigate OPS-42 slow checkout' };

describe('the attacker’s tour, replayed', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform();
    create.database = platform.database;
  }, 60_000);
  afterAll(() => platform?.close());

  const asInject = (signed: { headers: Record<string, string>; body: string }) => ({ headers: signed.headers, payload: signed.body });

  // Finding 13.1 end to end: create, approve as anyone, open the credentials through /%761/...
  it('refuses the /%761/ chain: create, approve as anyone, open sealed credentials', async () => {
    const mine = await platform.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE }, payload: create });
    expect(mine.statusCode).toBe(201);
    const id = (mine.json() as AccessRequest).id;
    await platform.outbox.send({ id: `credentials-${id}`, kind: 'credentials', to: DAVE, requestId: id, text: 'mysql -u u -p\'secret-password\' demo_shop', sensitive: true });

    const attempts = [
      await platform.requestApi.inject({ method: 'POST', url: '/%761/access-requests', headers: { 'x-acting-user': 'mallory@example.com' }, payload: create }),
      await platform.approvalApi.inject({ method: 'POST', url: `/%761/access-requests/${id}/approve`, headers: { 'x-acting-user': ALICE }, payload: {} }),
      await platform.approvalApi.inject({ method: 'POST', url: `/%761/access-requests/${id}/approve`, headers: { authorization: `Bearer ${lacking('approve')}`, 'x-acting-user': ALICE }, payload: {} }),
      // A tool that may approve, but only for its own people, cannot name an approver of ours.
      await platform.approvalApi.inject({ method: 'POST', url: `/v1/access-requests/${id}/approve`, headers: { authorization: `Bearer ${tokenOf('partner')}`, 'x-acting-user': ALICE }, payload: {} }),
      await platform.requestApi.inject({ method: 'POST', url: `/%761/outbox/credentials-${id}/open`, headers: { 'x-acting-user': DAVE } }),
      await platform.requestApi.inject({ method: 'POST', url: `/v1/outbox/credentials-${id}/open`, headers: { authorization: `Bearer ${lacking('outbox:open')}`, 'x-acting-user': DAVE } }),
    ];
    expect(attempts.map((r) => r.statusCode)).toEqual([401, 401, 403, 403, 401, 403]);
    expect(attempts.map((r) => r.json().code)).toEqual(['AUTH_REQUIRED', 'AUTH_REQUIRED', 'SCOPE_MISSING', 'ACT_FOR_REFUSED', 'AUTH_REQUIRED', 'SCOPE_MISSING']);
    for (const r of attempts) expect(r.body).not.toContain('secret-password');
    expect((await platform.requests.get(id))?.state).toBe('requested');
    expect((await platform.requests.listByRequester('mallory@example.com', { limit: 10 })).items).toEqual([]);
  });

  // Finding 13.6: a lost answer retried made a second request.
  it('creates one request for a retried POST with the same Idempotency-Key', async () => {
    // A key of its own per run: answers are kept 24 h in the shared Redis.
    const headers = { ...FULL, 'x-acting-user': 'erin@example.com', 'idempotency-key': uniqueName('retry') };
    const first = await platform.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers, payload: create });
    const retry = await platform.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers, payload: create });
    expect([first.statusCode, retry.statusCode]).toEqual([201, 201]);
    expect(retry.json()).toEqual(first.json());
    const other = await platform.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers, payload: { ...create, reason: 'another reason entirely, OPS-43' } });
    expect(other.statusCode).toBe(422);
    expect((await platform.requests.listByRequester('erin@example.com', { limit: 10 })).items).toHaveLength(1);
  });

  // Finding 13.5: control characters in free text.
  it('refuses control characters in reasons, comments and names with a clear 400', async () => {
    const bad = [
      await platform.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE }, payload: { ...create, reason: 'investigate\u0000 OPS-42 slow checkout' } }),
      await platform.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE }, payload: { ...create, reason: 'approved by \u202Eeilla ecila OPS-42' } }),
      await platform.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE, 'x-acting-name': 'Dave\u001b[2J' }, payload: create }),
      await platform.approvalApi.inject({ method: 'POST', url: '/v1/access-requests/01ARZ3NDEKTSV4RRFFQ69G5FAV/deny', headers: { ...FULL, 'x-acting-user': ALICE }, payload: { reason: 'no\u0007pe' } }),
    ];
    expect(bad.map((r) => r.statusCode)).toEqual([400, 400, 400, 400]);
    for (const r of bad) {
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json().detail).toMatch(/control characters/);
    }
    const multiLine = await platform.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE }, payload: { ...create, reason: 'investigate OPS-42\n\tslow checkout' } });
    expect(multiLine.statusCode).toBe(201);
  });

  // Finding 13.5: the origin check believed a client-sent X-Forwarded-Host.
  it('ignores X-Forwarded-Host from a client that is not a configured proxy', async () => {
    const grant = await platform.dashboard.requests.create(aRequest());
    const page = await platform.dashboard.app.inject({ url: '/grants', headers: { authorization: basic(ADMIN) } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const forged = await platform.dashboard.app.inject({
      method: 'POST',
      url: `/grants/${grant.id}/end`,
      headers: { authorization: basic(ADMIN), 'content-type': 'application/x-www-form-urlencoded', host: 'dashboard.internal', origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' },
      payload: `csrf=${csrf}`,
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ code: 'CROSS_SITE_REQUEST' });
    // Through the configured proxy (10.0.0.0/8) the forwarded host is the one the browser used.
    const proxied = await platform.dashboard.app.inject({
      method: 'POST',
      url: `/grants/${grant.id}/end`,
      remoteAddress: '10.1.2.3',
      headers: { authorization: basic(ADMIN), 'content-type': 'application/x-www-form-urlencoded', host: 'task.internal', origin: 'https://dbre.example.com', 'x-forwarded-host': 'dbre.example.com' },
      payload: `csrf=${csrf}`,
    });
    expect(proxied.json().code).not.toBe('CROSS_SITE_REQUEST');
  });

  // Finding 13.4: one replay cache for every service.
  it('refuses a signed Slack request replayed to another service, yet forwards approvals', async () => {
    const signed = slashCommand(SECRET, { user_id: 'U0DAVE', text: 'help' });
    expect((await platform.requestApi.inject({ method: 'POST', url: '/slack/commands', ...asInject(signed) })).statusCode).toBe(200);
    for (const [app, url] of [
      [platform.schemaReview, '/slack/reviews/commands'],
      [platform.approvalApi, '/slack/approvals/interactions'],
      [platform.requestApi, '/slack/commands'],
    ] as const) {
      const replay = await app.inject({ method: 'POST', url, ...asInject(signed) });
      expect(replay.statusCode).toBe(401);
      expect(replay.json()).toMatchObject({ code: 'SLACK_REPLAYED' });
    }
    // An approver's click reaches request-api, which hands it off to approval-api: accepted there once.
    const req = await platform.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE }, payload: create });
    const id = (req.json() as AccessRequest).id;
    const click = interaction(SECRET, buttonClick({ userId: 'U0ALICE', actionId: 'access_approve', value: id, channel: 'C0APPROVALS', messageTs: '1.1' }));
    expect((await platform.requestApi.inject({ method: 'POST', url: '/slack/interactions', ...asInject(click) })).statusCode).toBe(200);
    await waitFor(async () => ((await platform.requests.get(id))?.state === 'approved' ? true : undefined), { what: 'the approval through the forward' });
    expect((await platform.approvalApi.inject({ method: 'POST', url: '/slack/approvals/interactions', ...asInject(click) })).json()).toMatchObject({ code: 'SLACK_REPLAYED' });
  });

  it('answers a Slack user it cannot resolve with a refusal, not a 500', async () => {
    const cmd = await platform.requestApi.inject({ method: 'POST', url: '/slack/commands', ...asInject(slashCommand(SECRET, { user_id: 'U0GHOST', text: 'list' })) });
    expect(cmd.statusCode).toBe(200);
    expect(cmd.json()).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('could not tell who you are') });
    const submit = viewSubmission({ userId: 'U0GHOST', callbackId: 'access_request', viewId: 'VGHOST', values: { reason: { reason: { type: 'plain_text_input', value: 'investigate OPS-42 slow checkout' } } } });
    const modal = await platform.requestApi.inject({ method: 'POST', url: '/slack/interactions', ...asInject(interaction(SECRET, submit)) });
    expect(modal.statusCode).toBe(200);
    expect(modal.json()).toMatchObject({ response_action: 'errors' });
    const click = await platform.requestApi.inject({
      method: 'POST',
      url: '/slack/interactions',
      ...asInject(interaction(SECRET, buttonClick({ userId: 'U0GHOST', actionId: 'access_cancel', value: '01ARZ3NDEKTSV4RRFFQ69G5FAV', channel: 'C0REQUESTS', messageTs: '2.2' }))),
    });
    expect(click.statusCode).toBe(200);
  });

  it('answers an oversized Slack request with 413 naming the Slack limit', async () => {
    const big = slashCommand(SECRET, { user_id: 'U0DAVE', text: 'x'.repeat(300 * 1024) });
    const res = await platform.requestApi.inject({ method: 'POST', url: '/slack/commands', ...asInject(big) });
    expect(res.statusCode).toBe(413);
    expect(res.json().detail).toContain(`${256 * 1024} bytes`);
  });
});
