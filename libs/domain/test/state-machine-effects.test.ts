import { transition, type AccessRequest, type RequestEvent } from '../src';
import { alice, bob, carol, dave, minutes, newRequest } from './fixtures';

// What each transition records and the exact words of each refusal: the approver and the
// requester read these messages in Slack and on the API, and the audit and reaper read the fields.

const go = (r: AccessRequest, e: RequestEvent, atMinute: number) => transition(r, e, minutes(atMinute));
const iso = (atMinute: number) => minutes(atMinute).toISOString();

function refusal(r: AccessRequest, e: RequestEvent, atMinute = 5): { code: string; kind: string; message: string } {
  try {
    go(r, e, atMinute);
  } catch (err) {
    const { code, kind, message } = err as { code: string; kind: string; message: string };
    return { code, kind, message };
  }
  throw new Error(`${e.type} was accepted`);
}

const approved = () => go(newRequest(), { type: 'approve', by: alice }, 1);
const provisioning = () => go(approved(), { type: 'start_provisioning' }, 2);
const active = (env: 'dev' | 'prod' = 'dev') => {
  let r = newRequest(env);
  r = go(r, { type: 'approve', by: alice }, 1);
  if (env === 'prod') r = go(r, { type: 'approve', by: bob }, 1);
  r = go(r, { type: 'start_provisioning' }, 2);
  r = go(r, { type: 'record_resources', resources: { dbUser: 'jit_dave_smith_abcde' } }, 2);
  return go(r, { type: 'activate' }, 3); // endsAt = minute 3 + 60 (dev) or 30 (prod)
};

describe('what each transition records', () => {
  it('an approval that completes the request records who and when, and the decision time', () => {
    const r = approved();
    expect(r).toMatchObject({ state: 'approved', approvals: [{ by: alice, at: iso(1) }], decidedAt: iso(1), version: 2, updatedAt: iso(1) });
  });

  it('a first of two approvals on prod keeps the request waiting, undecided', () => {
    const r = go(newRequest('prod'), { type: 'approve', by: alice }, 1);
    expect(r.state).toBe('requested');
    expect(r.approvals).toEqual([{ by: alice, at: iso(1) }]);
    expect(r.decidedAt).toBeUndefined();
    expect(r.version).toBe(2);
  });

  it('a denial records who, when and the trimmed reason, and the decision time', () => {
    const r = go(newRequest(), { type: 'deny', by: bob, reason: '  use the replica  ' }, 4);
    expect(r).toMatchObject({ state: 'denied', decidedAt: iso(4), denial: { by: bob, at: iso(4), reason: 'use the replica' } });
  });

  it('a cancellation records who cancelled', () => {
    expect(go(approved(), { type: 'cancel', by: dave }, 4)).toMatchObject({ state: 'cancelled', cancelledBy: dave, version: 3, updatedAt: iso(4) });
  });

  it('expiry is due exactly at reviewExpiresAt (30 min in the fixture policy), not a millisecond before', () => {
    const r = newRequest();
    expect(r.reviewExpiresAt).toBe(iso(30));
    expect(refusal(r, { type: 'expire' }, 29.99)).toEqual({
      code: 'NOT_EXPIRED',
      kind: 'conflict',
      message: `Request ${r.id} may still be reviewed until ${iso(30)}.`,
    });
    expect(go(r, { type: 'expire' }, 30)).toMatchObject({ state: 'expired', version: 2, updatedAt: iso(30) });
  });

  it('activation starts the clock: activeAt now, endsAt now + the requested duration', () => {
    const r = active();
    expect(r).toMatchObject({ state: 'active', activeAt: iso(3), endsAt: iso(63) });
    expect(active('prod').endsAt).toBe(iso(33));
  });

  it('recorded resources merge with what was recorded before; undefined values are not recorded', () => {
    let r = provisioning();
    r = go(r, { type: 'record_resources', resources: { bastionId: 'fwd-1', dbHost: '%' } }, 2);
    r = go(r, { type: 'record_resources', resources: { secretId: 'dbre/access/r1', dbUser: undefined } }, 2);
    expect(r.resources).toEqual({ bastionId: 'fwd-1', dbHost: '%', secretId: 'dbre/access/r1' });
    expect(Object.keys(r.resources)).not.toContain('dbUser');
  });

  it('recording the same resource again with the same id is accepted; the way to reach the bastion may change', () => {
    let r = provisioning();
    const first = { bastionId: 'fwd-1', dbUser: 'jit_dave_x', dbHost: '%', secretId: 's-1', connect: { host: '127.0.0.1', port: 4001 } };
    r = go(r, { type: 'record_resources', resources: first }, 2);
    r = go(r, { type: 'record_resources', resources: { ...first, connect: { host: '127.0.0.1', port: 4002 }, connectCommand: 'mysql -P 4002' } }, 2);
    expect(r.resources).toEqual({ ...first, connect: { host: '127.0.0.1', port: 4002 }, connectCommand: 'mysql -P 4002' });
    expect(r.version).toBe(5);
  });

  it.each([
    ['bastionId', 'fwd-1', 'fwd-2'],
    ['secretId', 's-1', 's-2'],
    ['dbUser', 'jit_dave_x', 'jit_dave_y'],
    ['dbHost', '%', '10.0.0.%'],
  ] as const)('a second record of another %s is refused, so the first one is never lost to the sweep', (key, recorded, other) => {
    const r = go(provisioning(), { type: 'record_resources', resources: { [key]: recorded } }, 2);
    expect(refusal(r, { type: 'record_resources', resources: { [key]: other } })).toEqual({
      code: 'RESOURCE_ALREADY_RECORDED',
      kind: 'conflict',
      message: `Request ${r.id} already has ${key} ${recorded}; it cannot be replaced by ${other}.`,
    });
  });

  it('a failure keeps its reason, cut at 2,000 characters, and an empty one is named', () => {
    expect(go(provisioning(), { type: 'fail', reason: 'GRANT refused' }, 3).failureReason).toBe('GRANT refused');
    const long = go(provisioning(), { type: 'fail', reason: 'x'.repeat(2001) + 'TAIL' }, 3).failureReason!;
    expect(long).toBe('x'.repeat(2000));
    expect(go(approved(), { type: 'fail', reason: '' }, 3).failureReason).toBe('unknown failure');
  });

  it('asking for an extension records who, when, how long and why, with no approval yet', () => {
    const r = go(active(), { type: 'request_extension', by: dave, minutes: 45, reason: 'migration slower' }, 10);
    expect(r.pendingExtension).toEqual({ requestedBy: dave, requestedAt: iso(10), minutes: 45, reason: 'migration slower', approvals: [] });
    const noReason = go(active(), { type: 'request_extension', by: dave, minutes: 45 }, 10);
    expect(noReason.pendingExtension).toEqual({ requestedBy: dave, requestedAt: iso(10), minutes: 45, approvals: [] });
  });

  it('an approved extension moves endsAt by its minutes from the previous end and keeps the record', () => {
    let r = go(active(), { type: 'request_extension', by: dave, minutes: 45 }, 10);
    r = go(r, { type: 'approve', by: carol }, 11);
    expect(r.endsAt).toBe(iso(63 + 45));
    expect(r.pendingExtension).toBeUndefined();
    expect(r.extensions).toEqual([{ minutes: 45, previousEndsAt: iso(63), endsAt: iso(108), approvals: [{ by: carol, at: iso(11) }], at: iso(11) }]);
    expect(r).toMatchObject({ state: 'active', version: active().version + 2, updatedAt: iso(11), approvals: [{ by: alice, at: iso(1) }] });
    // A second extension starts from the new end.
    r = go(r, { type: 'request_extension', by: dave, minutes: 15 }, 20);
    r = go(r, { type: 'approve', by: bob }, 21);
    expect(r.endsAt).toBe(iso(123));
    expect(r.extensions.map((e) => e.previousEndsAt)).toEqual([iso(63), iso(108)]);
  });

  it('on prod the first extension approval is recorded and the end does not move until the second', () => {
    let r = go(active('prod'), { type: 'request_extension', by: dave, minutes: 20 }, 10);
    r = go(r, { type: 'approve', by: carol }, 11);
    expect(r.endsAt).toBe(iso(33));
    expect(r.pendingExtension?.approvals).toEqual([{ by: carol, at: iso(11) }]);
    expect(r.extensions).toEqual([]);
    expect(refusal(r, { type: 'approve', by: { email: 'CAROL@example.com' } }, 12)).toEqual({
      code: 'POLICY_ALREADY_APPROVED',
      kind: 'conflict',
      message: 'CAROL@example.com has already approved this extension; it needs another approver.',
    });
    r = go(r, { type: 'approve', by: alice }, 12);
    expect(r.endsAt).toBe(iso(53));
    expect(r.extensions[0]!.approvals).toEqual([{ by: carol, at: iso(11) }, { by: alice, at: iso(12) }]);
  });

  it('a refused extension drops the pending one and leaves the grant and its record untouched', () => {
    const before = go(active(), { type: 'request_extension', by: dave, minutes: 45 }, 10);
    const r = go(before, { type: 'deny', by: carol, reason: 'finish tomorrow' }, 11);
    const { pendingExtension: _dropped, ...rest } = before;
    expect(r).toEqual({ ...rest, version: before.version + 1, updatedAt: iso(11) });
  });

  it('starting a revoke records why and drops a pending extension; completing it records when', () => {
    const pending = go(active(), { type: 'request_extension', by: dave, minutes: 45 }, 10);
    const revoking = go(pending, { type: 'start_revoke', reason: 'ended_by_approver', by: carol }, 12);
    const { pendingExtension: _dropped, ...rest } = pending;
    expect(revoking).toEqual({ ...rest, state: 'revoking', revokeReason: 'ended_by_approver', version: pending.version + 1, updatedAt: iso(12) });
    expect(go(revoking, { type: 'complete_revoke' }, 13)).toMatchObject({ state: 'revoked', revokedAt: iso(13), revokeReason: 'ended_by_approver' });
  });
});

describe('the words of each refusal', () => {
  it('self-approval, by e-mail in any case or by Slack id', () => {
    const r = newRequest();
    const expected = { code: 'POLICY_SELF_APPROVAL', kind: 'forbidden', message: 'You cannot approve your own request; another approver must do it.' };
    expect(refusal(r, { type: 'approve', by: { email: 'DAVE.SMITH+JIT@example.com' } })).toEqual(expected);
    expect(refusal(r, { type: 'approve', by: { slackUserId: 'U0DAVE', email: 'other@example.com' } })).toEqual(expected);
  });

  it('approving a request twice', () => {
    const r = go(newRequest('prod'), { type: 'approve', by: alice }, 1);
    expect(refusal(r, { type: 'approve', by: { slackUserId: 'U0X', email: 'alice@example.com' } })).toEqual({
      code: 'POLICY_ALREADY_APPROVED',
      kind: 'conflict',
      message: 'alice@example.com has already approved this request; it needs another approver.',
    });
    expect(refusal(go(newRequest('prod'), { type: 'approve', by: { slackUserId: 'U0ERIN' } }, 1), { type: 'approve', by: { slackUserId: 'U0ERIN' } }).message).toBe(
      'U0ERIN has already approved this request; it needs another approver.',
    );
  });

  it('deciding on your own request, or denying without a reason', () => {
    expect(refusal(newRequest(), { type: 'deny', by: { email: 'dave.smith+jit@example.com' }, reason: 'changed my mind' })).toEqual({
      code: 'POLICY_SELF_APPROVAL',
      kind: 'forbidden',
      message: 'You cannot decide on your own request; cancel it instead.',
    });
    expect(refusal(newRequest(), { type: 'deny', by: alice, reason: ' \t ' })).toEqual({ code: 'DENIAL_REASON_REQUIRED', kind: 'invalid', message: 'A denial needs a reason.' });
  });

  it('approving or refusing an extension that nobody asked for', () => {
    const r = active();
    expect(refusal(r, { type: 'approve', by: carol })).toEqual({
      code: 'NO_PENDING_EXTENSION',
      kind: 'conflict',
      message: `Request ${r.id} is active and has no extension waiting for approval.`,
    });
    expect(refusal(r, { type: 'deny', by: carol, reason: 'no' })).toEqual({
      code: 'NO_PENDING_EXTENSION',
      kind: 'conflict',
      message: `Request ${r.id} is active; there is no extension to refuse.`,
    });
  });

  it('approving your own extension', () => {
    const r = go(active(), { type: 'request_extension', by: dave, minutes: 30 }, 10);
    expect(refusal(r, { type: 'approve', by: { slackUserId: 'U0DAVE' } })).toEqual({
      code: 'POLICY_SELF_APPROVAL',
      kind: 'forbidden',
      message: 'You cannot approve your own request; another approver must do it.',
    });
  });

  it('an extension asked by someone else, of no positive whole minutes, or while one is waiting', () => {
    const r = active();
    expect(refusal(r, { type: 'request_extension', by: alice, minutes: 30 })).toEqual({
      code: 'EXTENSION_NOT_REQUESTER',
      kind: 'forbidden',
      message: 'Only the requester can ask to extend their grant.',
    });
    const invalid = { code: 'EXTENSION_INVALID', kind: 'invalid', message: 'The extension must be a positive number of minutes.' };
    for (const m of [0, -5, 1.5, Number.NaN]) expect(refusal(r, { type: 'request_extension', by: dave, minutes: m })).toEqual(invalid);
    expect(go(r, { type: 'request_extension', by: dave, minutes: 1 }, 5).pendingExtension?.minutes).toBe(1);
    const pending = go(r, { type: 'request_extension', by: dave, minutes: 30 }, 5);
    expect(refusal(pending, { type: 'request_extension', by: dave, minutes: 10 })).toEqual({
      code: 'EXTENSION_PENDING',
      kind: 'conflict',
      message: 'An extension is already waiting for approval.',
    });
  });

  it('activating before the database user is recorded', () => {
    const r = go(provisioning(), { type: 'record_resources', resources: { bastionId: 'fwd-1' } }, 2);
    expect(refusal(r, { type: 'activate' })).toEqual({
      code: 'RESOURCES_MISSING',
      kind: 'conflict',
      message: `Request ${r.id} cannot become active before its database user is recorded.`,
    });
  });

  it('an event the state does not take says what the request is and what cannot happen', () => {
    const r = newRequest();
    const words: Array<[RequestEvent, string]> = [
      [{ type: 'start_provisioning' }, 'provisioned'],
      [{ type: 'record_resources', resources: {} }, 'given resources'],
      [{ type: 'activate' }, 'activated'],
      [{ type: 'fail', reason: 'x' }, 'marked failed'],
      [{ type: 'request_extension', by: dave, minutes: 5 }, 'extended'],
      [{ type: 'start_revoke', reason: 'sweep' }, 'ended'],
      [{ type: 'complete_revoke' }, 'revoked'],
    ];
    for (const [event, word] of words) {
      expect(refusal(r, event)).toEqual({ code: 'ILLEGAL_TRANSITION', kind: 'conflict', message: `Request ${r.id} is requested; it cannot be ${word} now.` });
    }
    const done = go(newRequest(), { type: 'cancel', by: dave }, 1);
    const more: Array<[RequestEvent, string]> = [
      [{ type: 'approve', by: alice }, 'approved'],
      [{ type: 'deny', by: alice, reason: 'no' }, 'denied'],
      [{ type: 'cancel', by: dave }, 'cancelled'],
      [{ type: 'expire' }, 'expired'],
    ];
    for (const [event, word] of more) expect(refusal(done, event, 60).message).toBe(`Request ${done.id} is cancelled; it cannot be ${word} now.`);
  });
});
