import { Redis } from 'ioredis';
import { ACCESS_JOB_IDS, enqueue } from '@dbre/queue';
import { waitFor } from '@dbre/testing';
import { ALICE, BOB, CAROL, DAVE, startAccessStack, type AccessStack } from './access-stack';
import { startPrivateRedis } from './private-redis';

// Issue #15, fewer asks of approvers: shorten, scheduled start, batch decisions — through REST,
// against real Redis, MariaDB and dynalite. Expectations are written from the issue by hand.

const TICKET = 'https://jira.example.com/browse/OPS-4242';

describe('an approver shortens a request', () => {
  let stack: AccessStack;
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, reaper: false });
  });
  afterAll(() => stack.close());

  const approveFor = (id: string, approver: string, durationMinutes: unknown) => stack.call(stack.approvalApi, 'POST', `/v1/access-requests/${id}/approve`, approver, { durationMinutes });

  it('grants the shorter duration: the end, the audit event and the requester message say so', async () => {
    const r = await stack.ask(ALICE, { durationMinutes: 5 });
    const res = await approveFor(r.id, BOB, 2);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'approved', durationMinutes: 5, approvedMinutes: 2 });
    const active = await stack.waitState(r.id, 'active');
    // 2 policy minutes of 2 s from activation, not the 5 asked.
    expect(Date.parse(active.endsAt ?? '') - Date.parse(active.activeAt ?? '')).toBe(4000);
    const approved = (await stack.audit.list(r.id)).find((e) => e.kind === 'approved');
    expect(approved).toMatchObject({ actor: BOB, data: { requestedMinutes: 5, approvedMinutes: 2, grantedMinutes: 2 } });
    const told = (await stack.outbox.list(ALICE)).find((m) => m.id === `approved-${r.id}`);
    expect(told?.text).toBe(`bob@example.com approved your access request ${r.id} for 2 of the 5 minutes you asked; the credentials follow in a moment.`);
  });

  it('refuses a longer duration with 422 and a non-positive one with 400, and leaves the request waiting', async () => {
    const r = await stack.ask(ALICE, { durationMinutes: 3 });
    const longer = await approveFor(r.id, BOB, 4);
    expect(longer.status).toBe(422);
    expect(longer.body).toMatchObject({ code: 'APPROVAL_DURATION_INVALID', detail: 'The approved duration (4 min) is longer than the 3 min asked; an approver may only shorten it.' });
    for (const bad of [0, -1, 1.5, '2']) {
      const res = await approveFor(r.id, BOB, bad);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('REQUEST_INVALID');
      expect(res.body.detail).toContain('durationMinutes');
    }
    const stored = await stack.requests.get(r.id);
    expect(stored).toMatchObject({ state: 'requested', approvals: [] });
    expect(stored?.approvedMinutes).toBeUndefined();
    expect((await stack.audit.list(r.id)).map((e) => e.kind)).toEqual(['requested']);
  });

  it('with two approvals in prod the shortest approved duration wins', async () => {
    const r = await stack.ask(ALICE, { clusterId: 'proddb', durationMinutes: 5 });
    expect((await approveFor(r.id, BOB, 3)).status).toBe(202);
    expect((await approveFor(r.id, CAROL, 4)).status).toBe(200);
    const active = await stack.waitState(r.id, 'active');
    expect(active.approvals.map((a) => [a.by.email, a.minutes])).toEqual([
      [BOB, 3],
      [CAROL, 4],
    ]);
    expect(Date.parse(active.endsAt ?? '') - Date.parse(active.activeAt ?? '')).toBe(3 * 2000);
  });
});

describe('a request with a scheduled start', () => {
  let stack: AccessStack;
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  beforeAll(async () => {
    // FLUSHDB only ever on a Redis of this test's own.
    redis = await startPrivateRedis();
    stack = await startAccessStack({ minuteMs: 2000, redisUrl: redis.url, sweepEveryMs: 300, stuckAfterMs: 60_000 });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await redis?.close();
  });

  const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

  it('is approved before its start, provisioned at it, even after Redis lost the delayed job', async () => {
    const startAt = inSeconds(8);
    const r = await stack.ask(ALICE, { startAt });
    expect(r).toMatchObject({ startAt, reviewExpiresAt: startAt, state: 'requested' });
    const res = await stack.approve(r.id, BOB);
    expect(res.status).toBe(200);
    const job = await stack.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id));
    expect(await job?.getState()).toBe('delayed');
    expect((await stack.outbox.list(ALICE)).find((m) => m.id === `approved-${r.id}`)?.text).toBe(
      `bob@example.com approved your access request ${r.id}; it starts at ${startAt}, when the credentials follow.`,
    );

    const flusher = new Redis(redis.url);
    await flusher.flushdb();
    flusher.disconnect();
    expect(await stack.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id))).toBeUndefined();
    // The sweep (its scheduler re-created by the watchdog) puts the delayed job back.
    await waitFor(async () => (await stack.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id))) !== undefined, { timeoutMs: 20_000, what: 'the provision job to be re-created' });

    const active = await stack.waitState(r.id, 'active', 30_000);
    expect(Date.parse(active.activeAt ?? '')).toBeGreaterThanOrEqual(Date.parse(startAt));
    const kinds = (await stack.audit.list(r.id)).map((e) => e.kind);
    expect(kinds.slice(0, 3)).toEqual(['requested', 'approved', 'provisioning_started']);
    expect((await stack.audit.list(r.id)).find((e) => e.kind === 'approved')?.data).toMatchObject({ startAt });
  }, 60_000);

  it('a provision job that fires before the start moves itself to the start and claims nothing', async () => {
    const startAt = inSeconds(8);
    const r = await stack.ask(ALICE, { startAt });
    expect((await stack.approve(r.id, BOB)).status).toBe(200);
    // As if added without its delay (a clock ahead, an operator's retry): it runs at once.
    await (await stack.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id)))?.remove();
    await enqueue(stack.queues.provision, { requestId: r.id }, { jobId: ACCESS_JOB_IDS.provision(r.id) });
    await waitFor(async () => (await (await stack.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id)))?.getState()) === 'delayed' || (await stack.requests.get(r.id))?.state !== 'approved', { timeoutMs: 20_000, what: 'the early job to move or the start to come' });
    const active = await stack.waitState(r.id, 'active', 30_000);
    expect(Date.parse(active.activeAt ?? '')).toBeGreaterThanOrEqual(Date.parse(startAt));
    const claimed = (await stack.audit.list(r.id)).find((e) => e.kind === 'provisioning_started');
    expect(Date.parse(claimed?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(startAt));
  }, 60_000);

  it('expires when nobody approved it by its start', async () => {
    const startAt = inSeconds(2);
    const r = await stack.ask(ALICE, { startAt });
    const expired = await stack.waitState(r.id, 'expired', 20_000);
    expect(expired.reviewExpiresAt).toBe(startAt);
    expect((await stack.approve(r.id, BOB)).status).toBe(409);
  }, 30_000);

  it('refuses a start in the past or beyond the policy maximum, and a time without a zone, saying why', async () => {
    const ask = (startAt: string) => stack.call(stack.requestApi, 'POST', '/v1/access-requests', ALICE, { clusterId: 'devdb', database: stack.databases.granted, profile: 'read', reason: 'maintenance window OPS-77', startAt });
    const past = await ask('2020-01-01T00:00:00Z');
    expect(past.status).toBe(400);
    expect(past.body.detail).toContain('startAt 2020-01-01T00:00:00Z is in the past');
    // 7 days of 2 s policy minutes is 20 160 s ahead.
    const far = await ask(new Date(Date.now() + 30_000 * 1000).toISOString());
    expect(far.status).toBe(400);
    expect(far.body.detail).toContain('more than 10080 min ahead (the policy maximum)');
    const naive = await ask('2030-01-01T00:00:00');
    expect(naive.status).toBe(400);
    expect(naive.body.detail).toContain('an ISO 8601 time with a zone');
  });
});

describe('batch decisions', () => {
  let stack: AccessStack;
  let elsewhere: AccessStack;
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, reaper: false });
    elsewhere = await startAccessStack({ minuteMs: 2000, provisioner: false, reaper: false, deploymentId: 'other' });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await elsewhere?.close();
  });

  const batch = (actor: string, body: Record<string, unknown>) => stack.call(stack.approvalApi, 'POST', '/v1/access-requests/batch-decisions', actor, body);
  const askForChange = (who: string, extra: Record<string, unknown> = {}) => stack.ask(who, { ticketUrl: TICKET, ...extra });
  type Outcome = { id: string; outcome: string; code?: string; reason?: string };

  it('approves every pending request of one change, each with its own write and audit event, and says why the others were refused', async () => {
    const [a, b, c] = [await askForChange(ALICE), await askForChange(DAVE), await askForChange(ALICE, { clusterId: 'proddb' })];
    const own = await askForChange(BOB);
    const otherChange = await stack.ask(ALICE, { ticketUrl: 'https://jira.example.com/browse/OPS-1' });
    const decided = await askForChange(DAVE);
    expect((await stack.call(stack.approvalApi, 'POST', `/v1/access-requests/${decided.id}/deny`, CAROL, { reason: 'not this one' })).status).toBe(200);
    const foreign = await elsewhere.ask(ALICE, { ticketUrl: TICKET });

    const res = await batch(BOB, { decision: 'approve', ids: [a.id, b.id, c.id, own.id, a.id, otherChange.id, decided.id, foreign.id] });
    expect(res.status).toBe(200);
    const outcomes = res.body['outcomes'] as Outcome[];
    expect(outcomes.map((o) => [o.id, o.outcome, o.code])).toEqual([
      [a.id, 'approved', undefined],
      [b.id, 'approved', undefined],
      [c.id, 'approval_recorded', undefined], // prod needs a second approver
      [own.id, 'refused', 'POLICY_SELF_APPROVAL'],
      [a.id, 'refused', 'BATCH_DUPLICATE'],
      [otherChange.id, 'refused', 'BATCH_OTHER_CHANGE'],
      [decided.id, 'refused', 'POLICY_NOT_PENDING'],
      [foreign.id, 'refused', 'REQUEST_NOT_FOUND'],
    ]);
    expect(outcomes[3]?.reason).toBe('You cannot approve your own request; another approver must do it.');
    expect(outcomes[6]?.reason).toBe(`Request ${decided.id} is denied; there is nothing to decide.`);

    for (const r of [a, b]) await stack.waitState(r.id, 'active');
    expect((await stack.requests.get(c.id))?.state).toBe('requested');
    expect((await stack.requests.get(own.id))?.state).toBe('requested');
    expect((await stack.requests.get(otherChange.id))?.state).toBe('requested');
    expect((await elsewhere.requests.get(foreign.id))).toMatchObject({ state: 'requested', approvals: [] });
    // One approved event per request, all carrying the same batch id; the self-approval is audited as refused.
    const batchId = res.body['batchId'];
    for (const r of [a, b, c]) {
      const approvals = (await stack.audit.list(r.id)).filter((e) => e.kind === 'approved');
      expect(approvals).toHaveLength(1);
      expect(approvals[0]).toMatchObject({ actor: BOB, data: { batch: batchId, via: 'e2e' } });
    }
    expect((await stack.audit.list(own.id)).map((e) => [e.kind, e.data['code']])).toEqual([
      ['requested', undefined],
      ['approval_refused', 'POLICY_SELF_APPROVAL'],
    ]);
    expect(res.body['change']).toBe(TICKET);
  }, 60_000);

  it('a non-approver decides nothing: every request refused and audited', async () => {
    const rs = [await askForChange(ALICE), await askForChange(ALICE)];
    const res = await batch(DAVE, { decision: 'approve', ids: rs.map((r) => r.id) });
    expect(res.status).toBe(200);
    expect((res.body['outcomes'] as Outcome[]).map((o) => [o.outcome, o.code, o.reason])).toEqual([
      ['refused', 'POLICY_NOT_APPROVER', 'You are not an approver for dev clusters.'],
      ['refused', 'POLICY_NOT_APPROVER', 'You are not an approver for dev clusters.'],
    ]);
    for (const r of rs) {
      expect((await stack.requests.get(r.id))?.state).toBe('requested');
      expect((await stack.audit.list(r.id)).map((e) => e.kind)).toEqual(['requested', 'approval_refused']);
    }
  });

  it('denies a batch with one reason, shortens a batch, and refuses a too-long request of it', async () => {
    const [x, y] = [await askForChange(ALICE, { durationMinutes: 4 }), await askForChange(ALICE, { durationMinutes: 1 })];
    const shortened = await batch(BOB, { decision: 'approve', durationMinutes: 2, ids: [x.id, y.id] });
    expect((shortened.body['outcomes'] as Outcome[]).map((o) => [o.outcome, o.code])).toEqual([
      ['approved', undefined],
      ['refused', 'APPROVAL_DURATION_INVALID'],
    ]);
    expect((await stack.requests.get(x.id))?.approvedMinutes).toBe(2);
    const z = await askForChange(ALICE);
    const denied = await batch(CAROL, { decision: 'deny', reason: 'the change was rolled back', ids: [y.id, z.id] });
    expect((denied.body['outcomes'] as Outcome[]).map((o) => o.outcome)).toEqual(['denied', 'denied']);
    expect(await stack.requests.get(z.id)).toMatchObject({ state: 'denied', denial: { reason: 'the change was rolled back' } });
  }, 30_000);

  it('refuses a malformed batch as a whole, deciding nothing', async () => {
    const r = await askForChange(ALICE);
    const ulid = (n: number) => `01J${String(n).padStart(23, '0')}`;
    const tooMany = await batch(BOB, { decision: 'approve', ids: [r.id, ...Array.from({ length: 20 }, (_, i) => ulid(i))] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.detail).toContain('at most 20 requests in one batch');
    expect((await batch(BOB, { decision: 'approve', ids: [] })).status).toBe(400);
    const notIds = await batch(BOB, { decision: 'approve', ids: [r.id, '../../etc/passwd'] });
    expect(notIds.status).toBe(400);
    expect(notIds.body.detail).toContain('an access request id (ULID)');
    const noReason = await batch(BOB, { decision: 'deny', ids: [r.id] });
    expect(noReason.status).toBe(400);
    expect(noReason.body.detail).toContain('a denial needs a reason');
    expect((await batch(BOB, { decision: 'maybe', ids: [r.id] })).status).toBe(400);
    expect((await stack.requests.get(r.id))?.state).toBe('requested');
  });

  it('documents the new bodies in OpenAPI: the batch route, the approved duration, the scheduled start', async () => {
    type Doc = { paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } } }> };
    const props = (doc: Doc, url: string) => Object.keys(doc.paths[url]?.post?.requestBody?.content['application/json']?.schema.properties ?? {}).sort();
    const approval = (await stack.approvalApi.inject('/openapi.json')).json() as Doc;
    expect(props(approval, '/v1/access-requests/batch-decisions')).toEqual(['comment', 'decision', 'durationMinutes', 'ids', 'reason']);
    expect(props(approval, '/v1/access-requests/{id}/approve')).toEqual(['comment', 'durationMinutes']);
    const request = (await stack.requestApi.inject('/openapi.json')).json() as Doc;
    expect(props(request, '/v1/access-requests')).toContain('startAt');
  });

  it('needs the approve scope', async () => {
    const res = await stack.approvalApi.inject({ method: 'POST', url: '/v1/access-requests/batch-decisions', headers: { 'x-acting-user': BOB }, payload: { decision: 'approve', ids: [] } });
    expect(res.statusCode).toBe(401);
  });
});
