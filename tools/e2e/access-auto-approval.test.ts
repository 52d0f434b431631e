import { createAccessDecisions } from '@dbre/access';
import { verifyRequestChain, type AccessRequest } from '@dbre/domain';
import { waitFor } from '@dbre/testing';
import { ALICE, BOB, CAROL, DAVE, startAccessStack, type AccessStack } from './access-stack';

// Issue #15, fewer asks of approvers, through request-api's REST routes on the real stack
// (dynalite, Redis, MariaDB, provisioner and reaper workers). The Slack side: slack-auto-approval.test.ts.

jest.setTimeout(90_000);

const kindsOf = async (stack: AccessStack, id: string) => (await stack.audit.list(id)).map((e) => e.kind);
const outboxOf = async (stack: AccessStack, who: string, requestId: string) => (await stack.outbox.list(who, 200)).filter((m) => m.requestId === requestId);

describe('auto-approval by policy (REST)', () => {
  let stack: AccessStack;
  beforeAll(async () => {
    stack = await startAccessStack({
      minuteMs: 1000,
      sweepEveryMs: 300,
      groups: { devs: [DAVE, CAROL], oncall: [CAROL] },
      autoApprove: [
        { id: 'dev-read', description: 'read on dev for developers', environments: ['dev'], profiles: ['read'], maxMinutes: 3, requesterGroups: ['devs'] },
        { id: 'prod-oncall', environments: ['prod'], profiles: ['read'], maxMinutes: 1, requesterGroups: ['oncall'] },
      ],
    });
  });
  afterAll(async () => stack?.close());

  it('approves a matching request at creation as policy:dev-read, tells the approvers which rule, and provisions it', async () => {
    const res = await stack.call(stack.requestApi, 'POST', '/v1/access-requests', DAVE, { clusterId: 'devdb', database: stack.databases.granted, profile: 'read', durationMinutes: 2, reason: 'look at OPS-77 stuck orders' });
    expect(res.status).toBe(201);
    const created = res.body as unknown as AccessRequest;
    expect(created.state).toBe('approved');
    expect(created.approvals).toEqual([{ by: { policyRule: 'dev-read', displayName: 'policy:dev-read' }, at: created.decidedAt }]);
    const active = await stack.waitState(created.id, 'active');
    expect(active.resources.dbUser).toBeDefined();
    const events = await stack.audit.list(created.id);
    const approved = events.find((e) => e.kind === 'approved');
    expect(approved).toMatchObject({ actor: 'policy:dev-read', data: { via: 'policy', policyRule: 'dev-read', rule: 'read on dev for developers' } });
    expect(events.map((e) => e.kind).slice(0, 3)).toEqual(['requested', 'approved', 'provisioning_started']);
    expect(await stack.audit.verifyChain(created.id)).toMatchObject({ ok: true });
    // Every approver (the requester Carol would be excepted) hears of it, with the rule; nobody is asked to review.
    for (const approver of [ALICE, BOB, CAROL]) {
      const mine = await outboxOf(stack, approver, created.id);
      expect(mine.map((m) => m.kind)).toEqual(['auto-approved']);
      expect(mine[0]!.text).toContain('approved by policy rule dev-read (read on dev for developers)');
    }
    expect((await outboxOf(stack, DAVE, created.id)).map((m) => m.kind)).toContain('auto-approved');
  });

  it('leaves to people what the rule does not cover: too long, write, a non-member, prod', async () => {
    const ask = (who: string, body: Record<string, unknown>) =>
      stack.call(stack.requestApi, 'POST', '/v1/access-requests', who, { clusterId: 'devdb', database: stack.databases.granted, profile: 'read', durationMinutes: 2, reason: 'look at OPS-78 stuck orders', ...body });
    const cases = [
      await ask(DAVE, { durationMinutes: 4 }),
      await ask(DAVE, { profile: 'write' }),
      await ask(ALICE, {}), // not in devs
      await ask(DAVE, { clusterId: 'proddb' }), // the rule does not name prod
    ];
    for (const res of cases) {
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ state: 'requested', approvals: [] });
      expect(await kindsOf(stack, String(res.body['id']))).toEqual(['requested']);
      expect((await outboxOf(stack, BOB, String(res.body['id']))).map((m) => m.kind)).toEqual(['review']);
    }
  });

  it('prod only through the rule that names it: the on-call read is approved alone, although people need two approvals there', async () => {
    const res = await stack.call(stack.requestApi, 'POST', '/v1/access-requests', CAROL, { clusterId: 'proddb', database: stack.databases.granted, profile: 'read', durationMinutes: 1, reason: 'on-call look at INC-9 in prod' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ state: 'approved', approvalsRequired: 2, approvals: [{ by: { policyRule: 'prod-oncall' } }] });
    const active = await stack.waitState(String(res.body['id']), 'active');
    const events = await stack.audit.list(active.id);
    expect(verifyRequestChain(events, { state: 'active', approvalsRequired: 2 })).toMatchObject({ ok: true });
    // The same request for 2 minutes is not covered: two people must approve.
    const longer = await stack.call(stack.requestApi, 'POST', '/v1/access-requests', CAROL, { clusterId: 'proddb', database: stack.databases.granted, profile: 'read', durationMinutes: 2, reason: 'on-call look at INC-9 in prod' });
    expect(longer.body).toMatchObject({ state: 'requested', approvals: [] });
  });

  it('a person cannot pass as the rule: the acting user policy:dev-read is refused as no e-mail', async () => {
    const res = await stack.call(stack.requestApi, 'POST', '/v1/access-requests', 'policy:dev-read', { clusterId: 'devdb', database: stack.databases.granted, profile: 'read', durationMinutes: 2, reason: 'pretend to be the policy' });
    expect(res.status).toBe(400);
  });

  it('a crash between creating and auto-approving is finished by the sweep: approved by the rule once, then provisioned', async () => {
    // The process "dies" at its first write after the create: the request is stored as requested.
    const dying = createAccessDecisions({
      requests: { ...stack.requests, update: async () => Promise.reject(new Error('process died after create')) },
      audit: stack.audit,
      policy: stack.policy,
      inventory: stack.inventory,
      databases: { requireDatabase: async () => undefined },
      notifier: stack.outbox,
      queues: { provision: stack.queues.provision, warn: stack.queues.warn, revoke: stack.queues.revoke, renotify: stack.queues.renotify },
      minuteMs: stack.minuteMs,
    });
    const before = new Set((await stack.requests.listByRequester(DAVE, { limit: 100 })).items.map((r) => r.id));
    await expect(dying.create({ clusterId: 'devdb', database: stack.databases.granted, profile: 'read', durationMinutes: 2, reason: 'crash right after create' }, { email: DAVE, via: 'e2e' })).rejects.toThrow('process died');
    const stored = (await stack.requests.listByRequester(DAVE, { limit: 100 })).items.find((r) => !before.has(r.id));
    expect(stored).toBeDefined();
    const active = await stack.waitState(stored!.id, 'active');
    const events = await stack.audit.list(active.id);
    const approvals = events.filter((e) => e.kind === 'approved');
    expect(approvals.map((e) => e.actor)).toEqual(['policy:dev-read']);
    // The dying instance could not write anything after the create: the sweep wrote this approval.
    expect(approvals[0]!.data).toMatchObject({ via: 'policy', policyRule: 'dev-read' });
    expect(await stack.audit.verifyChain(active.id)).toMatchObject({ ok: true });
  });
});

describe('re-notifying approvers (REST)', () => {
  let stack: AccessStack;
  beforeAll(async () => {
    // Reminders 1, 4 and 13 policy minutes (2, 8, 26 s) after the request; the second escalates.
    stack = await startAccessStack({ minuteMs: 2000, renotify: { afterMinutes: 1, backoff: 3, max: 3, escalateTo: { attempt: 2, channel: 'C0ESCAL8', userGroup: 'S0LEADS' } } });
  });
  afterAll(async () => stack?.close());

  const reminders = async (id: string) => (await outboxOf(stack, BOB, id)).filter((m) => m.kind === 'reminder');
  const job = (id: string, attempt: number) => stack.queues.renotify.getJob(`renotify-${id}-${attempt}`);

  it('reminds, escalates on the second, audits each, and sends nothing after the decision', async () => {
    const r = await stack.ask(DAVE, { profile: 'write' });
    expect(await job(r.id, 1)).toBeDefined();
    await waitFor(async () => (await kindsOf(stack, r.id)).filter((k) => k === 'renotified').length >= 2, { timeoutMs: 30_000, what: 'two reminders' });
    const events = (await stack.audit.list(r.id)).filter((e) => e.kind === 'renotified');
    expect(events.map((e) => [e.key, e.actor, e.data['attempt'], e.data['escalated']])).toEqual([
      ['renotified:1', 'reaper', 1, false],
      ['renotified:2', 'reaper', 2, true],
    ]);
    expect(events[1]!.data).toMatchObject({ channel: 'C0ESCAL8', userGroup: 'S0LEADS' });
    const sent = await waitFor(async () => ((await reminders(r.id)).length >= 2 ? reminders(r.id) : undefined), { what: 'two reminders in the outbox' });
    expect(sent.map((m) => m.text.slice(0, 25)).sort()).toEqual(['Reminder 1/3: dave@exampl', 'Reminder 2/3 (escalated):']);
    // The requester is not an approver and is never reminded.
    expect((await outboxOf(stack, DAVE, r.id)).filter((m) => m.kind === 'reminder')).toEqual([]);

    // Bob approves before the third reminder is due; the third job runs and stops.
    expect((await stack.approve(r.id, BOB)).status).toBe(200);
    // It is due 13 policy minutes (26 s) after the request; waiting for its time checks nothing
    // here: once it is queued it runs now, after the decision, as it would then.
    const queued = await waitFor(() => job(r.id, 3), { what: 'the third reminder job to be queued' });
    await queued.promote().catch(() => undefined); // already due: nothing to bring forward
    const third = await waitFor(async () => {
      const j = await job(r.id, 3);
      // Read again once completed: the copy read before holds no return value yet.
      return j && (await j.getState()) === 'completed' ? job(r.id, 3) : undefined;
    }, { timeoutMs: 60_000, what: 'the third reminder job to finish' });
    expect(third.returnvalue).toBe('stopped');
    expect((await kindsOf(stack, r.id)).filter((k) => k === 'renotified')).toHaveLength(2);
    expect(await reminders(r.id)).toHaveLength(2);
    expect(await job(r.id, 4)).toBeUndefined();
    expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true });
  });

  it('a request cancelled before its first reminder gets none', async () => {
    // The queue paused, the reminder cannot run before the cancel however slow the machine (it is due 2 s after the request).
    await stack.queues.renotify.pause();
    let r: Awaited<ReturnType<typeof stack.ask>>;
    try {
      r = await stack.ask(DAVE, { profile: 'write' });
      expect((await stack.call(stack.requestApi, 'POST', `/v1/access-requests/${r.id}/cancel`, DAVE, {})).status).toBe(200);
    } finally {
      await stack.queues.renotify.resume();
    }
    const first = await waitFor(async () => {
      const j = await job(r.id, 1);
      // Read again once completed: the copy read before holds no return value yet.
      return j && (await j.getState()) === 'completed' ? job(r.id, 1) : undefined;
    }, { timeoutMs: 30_000, what: 'the first reminder job to finish' });
    expect(first.returnvalue).toBe('stopped');
    expect(await kindsOf(stack, r.id)).toEqual(['requested', 'cancelled']);
    expect(await reminders(r.id)).toEqual([]);
  });
});
