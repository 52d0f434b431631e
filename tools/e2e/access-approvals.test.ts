import { ALICE, BOB, CAROL, DAVE, startAccessStack, type AccessStack } from './access-stack';

describe('who may decide, and what the APIs refuse', () => {
  let stack: AccessStack;
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, reaper: false });
  });
  afterAll(() => stack.close());

  it('refuses the requester approving their own request with 403 and an audit event', async () => {
    const r = await stack.ask(CAROL); // Carol is an approver, but not for herself
    const res = await stack.approve(r.id, CAROL);
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'POLICY_SELF_APPROVAL', detail: expect.stringContaining('own request') });
    const events = await stack.audit.list(r.id);
    expect(events.map((e) => e.kind)).toEqual(['requested', 'approval_refused']);
    expect(events[1]).toMatchObject({ actor: CAROL, data: { code: 'POLICY_SELF_APPROVAL', action: 'approve' } });
    expect((await stack.requests.get(r.id))?.state).toBe('requested');
  });

  it('refuses a non-approver with 403 and an audit event, for approve and deny alike', async () => {
    const r = await stack.ask(ALICE);
    const approve = await stack.approve(r.id, DAVE);
    expect(approve.status).toBe(403);
    expect(approve.body).toMatchObject({ code: 'POLICY_NOT_APPROVER', detail: 'You are not an approver for dev clusters.' });
    const deny = await stack.call(stack.approvalApi, 'POST', `/v1/access-requests/${r.id}/deny`, DAVE, { reason: 'no' + ' way' });
    expect(deny.status).toBe(403);
    expect((await stack.audit.list(r.id)).filter((e) => e.kind === 'approval_refused')).toHaveLength(2);
  });

  it('provisions once when two approvers approve at the same moment', async () => {
    const r = await stack.ask(ALICE);
    const [a, b] = await Promise.all([stack.approve(r.id, BOB), stack.approve(r.id, CAROL)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const again = await stack.approve(r.id, BOB);
    expect(again.status).toBe(409);
    const active = await stack.waitState(r.id, 'active');
    const mine = (await stack.platformUsers()).filter((u) => u === active.resources.dbUser);
    expect(mine).toHaveLength(1);
    expect((await stack.platformUsers()).filter((u) => u.startsWith(`${stack.userPrefix}alice_`))).toHaveLength(1);
    const kinds = (await stack.audit.list(r.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'approved')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'user_created')).toHaveLength(1);
  });

  it('needs two different approvers in prod', async () => {
    const r = await stack.ask(ALICE, { clusterId: 'proddb' });
    const first = await stack.approve(r.id, BOB);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ state: 'requested' });
    expect((await stack.approve(r.id, BOB)).status).toBe(409);
    expect((await stack.approve(r.id, CAROL)).status).toBe(200);
    await stack.waitState(r.id, 'active');
  });

  it('denies with a reason only, and lets the requester cancel', async () => {
    const r = await stack.ask(ALICE);
    const bare = await stack.call(stack.approvalApi, 'POST', `/v1/access-requests/${r.id}/deny`, BOB, {});
    expect(bare.status).toBe(400);
    expect(bare.body.detail).toContain('reason');
    const denied = await stack.call(stack.approvalApi, 'POST', `/v1/access-requests/${r.id}/deny`, BOB, { reason: 'use the replica' });
    expect(denied.status).toBe(200);
    expect(denied.body).toMatchObject({ state: 'denied', denial: { reason: 'use the replica' } });

    const c = await stack.ask(ALICE);
    expect((await stack.call(stack.requestApi, 'POST', `/v1/access-requests/${c.id}/cancel`, BOB)).status).toBe(403);
    expect((await stack.call(stack.requestApi, 'POST', `/v1/access-requests/${c.id}/cancel`, ALICE)).body).toMatchObject({ state: 'cancelled' });
    const list = await stack.call(stack.requestApi, 'GET', `/v1/access-requests?requester=${encodeURIComponent(ALICE)}&state=cancelled`);
    expect((list.body['items'] as Array<{ id: string }>).map((i) => i.id)).toEqual([c.id]);
  });

  it.each([
    ['a quote', "shop'; DROP USER root; --"],
    ['a backtick', 'shop`x'],
    ['a space', 'my shop'],
    ['an over-long name', 'd'.repeat(65)],
  ])('refuses a database name with %s, saying what a name may be', async (_what, database) => {
    const res = await stack.call(stack.requestApi, 'POST', '/v1/access-requests', ALICE, { clusterId: 'devdb', database, profile: 'read', reason: 'a good enough reason' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'REQUEST_INVALID' });
    expect(res.body.detail).toContain('database');
    expect(res.body.detail).toContain('[A-Za-z0-9_$-]');
  });

  it('refuses unknown clusters and profiles, short reasons, bad e-mails and over-long durations with every problem listed', async () => {
    const unknown = await stack.call(stack.requestApi, 'POST', '/v1/access-requests', ALICE, { clusterId: 'nowhere', database: 'shop', profile: 'root', reason: 'a good enough reason' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toContain('cluster "nowhere" is not known');
    expect(unknown.body.detail).toContain('profile "root" does not exist');
    const long = await stack.call(stack.requestApi, 'POST', '/v1/access-requests', ALICE, { clusterId: 'devdb', database: 'shop', profile: 'read', durationMinutes: 11, reason: 'a good enough reason' });
    expect(long.body.detail).toContain('exceeds the dev maximum of 10 min');
    const short = await stack.call(stack.requestApi, 'POST', '/v1/access-requests', ALICE, { clusterId: 'devdb', database: 'shop', profile: 'read', reason: 'short' });
    expect(short.body.detail).toContain('at least 10 characters');
    const res = await stack.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers: { authorization: `Bearer ${'x'.repeat(40)}`, 'x-acting-user': ALICE }, payload: {} });
    expect(res.statusCode).toBe(401);
    const noActor = await stack.call(stack.requestApi, 'POST', '/v1/access-requests', undefined, { clusterId: 'devdb', database: 'shop', profile: 'read', reason: 'a good enough reason' });
    expect(noActor.status).toBe(400);
    expect(noActor.body.detail).toContain('x-acting-user');
    const badId = await stack.call(stack.requestApi, 'GET', '/v1/access-requests/not-an-id');
    expect(badId.status).toBe(400);
  });

  it('serves OpenAPI documents naming the bearer scheme', async () => {
    for (const app of [stack.requestApi, stack.approvalApi]) {
      const doc = (await app.inject('/openapi.json')).json() as { paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } };
      expect(doc.components.securitySchemes).toHaveProperty('bearer');
      expect(Object.keys(doc.paths).some((p) => p.startsWith('/v1/access-requests'))).toBe(true);
    }
  });
});
