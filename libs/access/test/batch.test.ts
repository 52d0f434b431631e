import { AppError } from '@dbre/service-kit';
import { createAccessDecisions, createBatchDecisions, pendingOfChange, type AccessDecisions, type BatchOutcome } from '../src';
import { APPROVER, localCluster, startHarness, type Harness } from './harness';

// Several pending requests of one change decided at once, through the real approve/deny steps on
// the real store (dynalite) and queues (Redis).

const TICKET = 'https://tickets.example.com/OPS-981';
const alice = { email: APPROVER, via: 'test' };

let h: Harness;
let decisions: AccessDecisions;
beforeAll(async () => {
  h = await startHarness({ clusters: [localCluster('proddb', 'prod')] });
  decisions = createAccessDecisions({ ...h.deps, minuteMs: 1000 });
}, 60_000);
afterAll(() => h.close());

const batch = () => createBatchDecisions({ requests: h.requests, logger: h.logger }, decisions);
const refusal = (o: BatchOutcome | undefined) => (o?.outcome === 'refused' ? { code: o.code, reason: o.reason } : o);

describe('deciding a batch', () => {
  it('refuses an empty list, more than 20 requests, and a denial without a reason, before deciding anything', async () => {
    await expect(batch()({ ids: [], decision: 'approve' }, alice)).rejects.toMatchObject({ code: 'BATCH_EMPTY', kind: 'invalid', message: 'List at least one access request id to decide.' });
    const r = await h.requested({ ticketUrl: TICKET });
    const ids = Array.from({ length: 21 }, (_, i) => (i === 0 ? r.id : `01JACC00000000000000000${String(i).padStart(3, '0')}`));
    await expect(batch()({ ids, decision: 'approve' }, alice)).rejects.toMatchObject({ code: 'BATCH_TOO_LARGE', kind: 'invalid', message: 'A batch decides at most 20 requests; 21 were listed.' });
    for (const reason of [undefined, '', '   ']) {
      await expect(batch()({ ids: [r.id], decision: 'deny', reason }, alice)).rejects.toMatchObject({ code: 'DENIAL_REASON_REQUIRED', kind: 'invalid', message: 'A denial needs a reason; every requester sees it.' });
    }
    expect((await h.requests.require(r.id)).state).toBe('requested');
  });

  it('decides exactly 20 requests', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await h.requested({ ticketUrl: `${TICKET}-twenty` })).id);
    const result = await batch()({ ids, decision: 'approve' }, alice);
    expect(result.outcomes.map((o) => o.outcome)).toEqual(Array(20).fill('approved'));
  });

  it('approves every request of one change, each with its own event carrying the batch id', async () => {
    const a = await h.requested({ ticketUrl: TICKET });
    const b = await h.requested({ ticketUrl: TICKET });
    const result = await batch()({ ids: [a.id, b.id], decision: 'approve', comment: 'planned migration' }, alice);
    expect(result.batchId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(result.change).toBe(TICKET);
    expect(result.outcomes.map((o) => [o.id, o.outcome, 'state' in o ? o.state : undefined])).toEqual([
      [a.id, 'approved', 'approved'],
      [b.id, 'approved', 'approved'],
    ]);
    for (const r of [a, b]) {
      expect((await h.audit.list(r.id)).at(-1)).toMatchObject({ kind: 'approved', actor: APPROVER, data: { via: 'test', comment: 'planned migration', batch: result.batchId } });
    }
  });

  it('a change without a ticket is its reason; another reason is another change', async () => {
    const a = await h.requested({ reason: 'rebuild the orders index for INC-5' });
    const b = await h.requested({ reason: 'rebuild the orders index for INC-5' });
    const c = await h.requested({ reason: 'something else entirely, INC-6' });
    const d = await h.requested({ ticketUrl: `${TICKET}-other` });
    const result = await batch()({ ids: [a.id, b.id, c.id, d.id], decision: 'approve' }, alice);
    expect(result.change).toBe('rebuild the orders index for INC-5');
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['approved', 'approved', 'refused', 'refused']);
    expect(refusal(result.outcomes[2])).toEqual({ code: 'BATCH_OTHER_CHANGE', reason: `Request ${c.id} is for another change (another reason); decide it on its own.` });
    expect(refusal(result.outcomes[3])).toEqual({ code: 'BATCH_OTHER_CHANGE', reason: `Request ${d.id} is for another change (${TICKET}-other); decide it on its own.` });
    expect((await h.requests.require(c.id)).state).toBe('requested');
  });

  it('refuses a duplicate, an unknown id and a request no longer pending, and decides the rest', async () => {
    const a = await h.requested({ ticketUrl: TICKET });
    const done = await h.approved({ ticketUrl: TICKET });
    const unknown = '01JACC0000000000000UNKNOWN';
    const result = await batch()({ ids: [a.id, a.id, unknown, done.id], decision: 'approve' }, alice);
    expect(result.outcomes.map(refusal)).toEqual([
      expect.objectContaining({ id: a.id, outcome: 'approved' }),
      { code: 'BATCH_DUPLICATE', reason: `Request ${a.id} is listed more than once; it was decided once.` },
      { code: 'REQUEST_NOT_FOUND', reason: `There is no access request ${unknown}.` },
      { code: 'POLICY_NOT_PENDING', reason: `Request ${done.id} is approved; there is nothing to decide.` },
    ]);
    expect(result.outcomes.map((o) => o.id)).toEqual([a.id, a.id, unknown, done.id]);
  });

  it('a request needing two approvals records the first', async () => {
    const r = await h.requested({ clusterId: 'proddb', ticketUrl: TICKET });
    const [o] = (await batch()({ ids: [r.id], decision: 'approve' }, alice)).outcomes;
    expect(o).toMatchObject({ id: r.id, outcome: 'approval_recorded', state: 'requested', approvals: 1, required: 2 });
  });

  it('approves for less than asked', async () => {
    const r = await h.requested({ ticketUrl: TICKET, durationMinutes: 10 });
    await batch()({ ids: [r.id], decision: 'approve', durationMinutes: 4 }, alice);
    expect((await h.requests.require(r.id)).approvedMinutes).toBe(4);
  });

  it('denies every request with the reason each requester sees', async () => {
    const a = await h.requested({ ticketUrl: `${TICKET}-deny` });
    const b = await h.requested({ ticketUrl: `${TICKET}-deny` });
    const result = await batch()({ ids: [a.id, b.id], decision: 'deny', reason: 'use the replica' }, alice);
    expect(result.outcomes.map((o) => [o.outcome, 'state' in o ? o.state : undefined])).toEqual([
      ['denied', 'denied'],
      ['denied', 'denied'],
    ]);
    expect((await h.audit.list(a.id)).at(-1)).toMatchObject({ kind: 'denied', data: { reason: 'use the replica', batch: result.batchId } });
  });

  it('a refusal of the policy (self-approval) is that request’s outcome, with its code and words', async () => {
    const r = await h.requested({ ticketUrl: TICKET });
    const [o] = (await batch()({ ids: [r.id], decision: 'approve' }, { email: r.requester.email })).outcomes;
    expect(refusal(o)).toEqual({ code: 'POLICY_SELF_APPROVAL', reason: 'You cannot approve your own request; another approver must do it.' });
  });

  it('a failure that is not a refusal leaves the request unchanged, says to try again and is logged', async () => {
    const a = await h.requested({ ticketUrl: `${TICKET}-fail` });
    const b = await h.requested({ ticketUrl: `${TICKET}-fail` });
    const c = await h.requested({ ticketUrl: `${TICKET}-fail` });
    let n = 0;
    const failing = {
      approve: async (...args: Parameters<AccessDecisions['approve']>) => {
        n++;
        if (n === 1) throw new Error('the store timed out');
        if (n === 2) throw new AppError('STORE_UNAVAILABLE', 'unavailable', 'DynamoDB is unavailable');
        return decisions.approve(...args);
      },
      deny: decisions.deny,
    };
    const result = await createBatchDecisions({ requests: h.requests, logger: h.logger }, failing)({ ids: [a.id, b.id, c.id], decision: 'approve' }, alice);
    expect(result.outcomes.map(refusal)).toEqual([
      { code: 'DECISION_FAILED', reason: `Request ${a.id} could not be decided right now; it is unchanged. Try it again.` },
      { code: 'DECISION_FAILED', reason: `Request ${b.id} could not be decided right now; it is unchanged. Try it again.` },
      expect.objectContaining({ outcome: 'approved' }),
    ]);
    expect(h.logLines().filter((l) => l['msg'] === 'batch decision failed for one request' && l['batchId'] === result.batchId).map((l) => l['requestId'])).toEqual([a.id, b.id]);
    // Without a logger the failure is still an outcome.
    const d = await h.requested({ ticketUrl: `${TICKET}-fail2` });
    const quiet = await createBatchDecisions({ requests: h.requests }, { approve: async () => Promise.reject(new Error('x')), deny: decisions.deny })({ ids: [d.id], decision: 'approve' }, alice);
    expect(quiet.outcomes[0]).toMatchObject({ outcome: 'refused', code: 'DECISION_FAILED' });
  });
});

describe('the pending requests of a change', () => {
  it('without a ticket: the request alone', async () => {
    const r = await h.requested();
    expect(await pendingOfChange(h.requests, r)).toEqual([r.id]);
  });

  it('with a ticket: every pending request of that ticket, itself included, sorted, at most 20', async () => {
    const ticket = `${TICKET}-pending`;
    const mine = await h.requested({ ticketUrl: ticket });
    const others = [await h.requested({ ticketUrl: ticket }), await h.requested({ ticketUrl: ticket })];
    await h.approved({ ticketUrl: ticket }); // no longer pending
    await h.requested({ ticketUrl: `${ticket}-x` });
    expect(await pendingOfChange(h.requests, mine)).toEqual([mine, ...others].map((r) => r.id).sort());
    for (let i = 0; i < 20; i++) await h.requested({ ticketUrl: ticket });
    const listed = await pendingOfChange(h.requests, mine);
    expect(listed).toHaveLength(20);
    expect([...listed].sort()).toEqual(listed);
  });

  it('a request not (yet) listed as pending is still offered itself', async () => {
    const r = await h.approved({ ticketUrl: `${TICKET}-self` });
    expect(await pendingOfChange(h.requests, r)).toEqual([r.id]);
  });
});
