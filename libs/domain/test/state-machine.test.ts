import {
  ACCEPTED_EVENTS,
  DomainError,
  REQUEST_STATES,
  transition,
  type AccessRequest,
  type RequestEvent,
  type RequestEventType,
  type RequestState,
} from '../src';
import { alice, bob, carol, dave, minutes, newRequest, T0 } from './fixtures';

const at = (n: number) => minutes(n);

/** A request walked to `state` through legal events. */
function inState(state: RequestState, env: 'dev' | 'prod' = 'dev'): AccessRequest {
  let r = newRequest(env);
  const go = (e: RequestEvent, n = 1) => (r = transition(r, e, at(n)));
  const approveAll = () => {
    go({ type: 'approve', by: alice });
    if (r.state === 'requested') go({ type: 'approve', by: bob });
  };
  switch (state) {
    case 'requested':
      return r;
    case 'denied':
      return go({ type: 'deny', by: alice, reason: 'not needed' });
    case 'cancelled':
      return go({ type: 'cancel', by: dave });
    case 'expired':
      return go({ type: 'expire' }, 31);
    default:
  }
  approveAll();
  if (state === 'approved') return r;
  go({ type: 'start_provisioning' });
  if (state === 'provisioning') return r;
  if (state === 'failed') return go({ type: 'fail', reason: 'bastion did not start' });
  go({ type: 'record_resources', resources: { dbUser: 'jit_dave_smith_abcde', bastionId: 'fwd-1' } });
  go({ type: 'activate' }, 2);
  if (state === 'active') return r;
  go({ type: 'start_revoke', reason: 'expired' }, 62);
  if (state === 'revoking') return r;
  return go({ type: 'complete_revoke' }, 63);
}

const sampleEvent: Record<RequestEventType, RequestEvent> = {
  approve: { type: 'approve', by: carol },
  auto_approve: { type: 'auto_approve', rule: 'dev-read' },
  deny: { type: 'deny', by: carol, reason: 'no' },
  cancel: { type: 'cancel', by: dave },
  expire: { type: 'expire' },
  start_provisioning: { type: 'start_provisioning' },
  record_resources: { type: 'record_resources', resources: { secretId: 's-1' } },
  activate: { type: 'activate' },
  fail: { type: 'fail', reason: 'x' },
  request_extension: { type: 'request_extension', by: dave, minutes: 30 },
  start_revoke: { type: 'start_revoke', reason: 'ended_by_requester' },
  complete_revoke: { type: 'complete_revoke' },
};

describe('the access request state machine', () => {
  it('walks requested -> approved -> provisioning -> active -> revoking -> revoked, one version per step', () => {
    const r = inState('revoked');
    expect(r.state).toBe('revoked');
    expect(r.version).toBe(7);
    expect(r.decidedAt).toBe(at(1).toISOString());
    expect(r.activeAt).toBe(at(2).toISOString());
    expect(r.endsAt).toBe(minutes(60, at(2)).toISOString());
    expect(r.revokedAt).toBe(at(63).toISOString());
    expect(r.revokeReason).toBe('expired');
    expect(r.resources).toEqual({ dbUser: 'jit_dave_smith_abcde', bastionId: 'fwd-1' });
  });

  it('does not change its input', () => {
    const r = newRequest();
    const copy = structuredClone(r);
    transition(r, { type: 'approve', by: alice }, at(1));
    expect(r).toEqual(copy);
  });

  // Every (state, event) pair: accepted ones succeed or fail only on a guard; the rest are ILLEGAL_TRANSITION.
  for (const state of REQUEST_STATES) {
    for (const type of Object.keys(sampleEvent) as RequestEventType[]) {
      const accepted = ACCEPTED_EVENTS[state].includes(type);
      it(`${accepted ? 'accepts' : 'refuses'} ${type} in ${state}`, () => {
        const r = inState(state);
        const run = () => transition(r, sampleEvent[type], at(90));
        if (!accepted) {
          expect(run).toThrow(DomainError);
          try {
            run();
          } catch (err) {
            expect((err as DomainError).code).toBe('ILLEGAL_TRANSITION');
            expect((err as DomainError).message).toContain(`is ${state}`);
          }
        } else {
          try {
            const next = run();
            expect(next.version).toBe(r.version + 1);
          } catch (err) {
            // Accepted but guarded (e.g. approve on an active grant without a pending extension).
            expect((err as DomainError).code).not.toBe('ILLEGAL_TRANSITION');
          }
        }
      });
    }
  }

  it('refuses the requester approving their own request, matched by e-mail case-insensitively or Slack id', () => {
    const r = newRequest();
    expect(() => transition(r, { type: 'approve', by: { email: 'dave.smith+jit@example.com' } }, at(1))).toThrow(/own request/);
    expect(() => transition(r, { type: 'approve', by: { slackUserId: 'U0DAVE' } }, at(1))).toThrow(/own request/);
  });

  it('needs two different approvers on prod', () => {
    let r = newRequest('prod');
    r = transition(r, { type: 'approve', by: alice }, at(1));
    expect(r.state).toBe('requested');
    expect(() => transition(r, { type: 'approve', by: { email: 'ALICE@example.com' } }, at(2))).toThrow(
      expect.objectContaining({ code: 'POLICY_ALREADY_APPROVED' }),
    );
    r = transition(r, { type: 'approve', by: bob }, at(2));
    expect(r.state).toBe('approved');
    expect(r.approvals.map((a) => a.by.email)).toEqual(['alice@example.com', 'bob@example.com']);
  });

  it('approving an approved request again is refused, so a double click provisions once', () => {
    const r = inState('approved');
    expect(() => transition(r, { type: 'approve', by: carol }, at(3))).toThrow(/is approved; it cannot be approved now/);
  });

  it('expires an unreviewed request only after its review window', () => {
    const r = newRequest();
    expect(() => transition(r, { type: 'expire' }, at(29))).toThrow(expect.objectContaining({ code: 'NOT_EXPIRED' }));
    expect(transition(r, { type: 'expire' }, at(30)).state).toBe('expired');
  });

  it('records a denial with its reason and refuses an empty one', () => {
    const r = newRequest();
    expect(() => transition(r, { type: 'deny', by: alice, reason: '  ' }, at(1))).toThrow(/needs a reason/);
    const denied = transition(r, { type: 'deny', by: alice, reason: ' not during the freeze ' }, at(1));
    expect(denied.denial).toEqual({ by: alice, at: at(1).toISOString(), reason: 'not during the freeze' });
  });

  it('cancels before provisioning, not after', () => {
    expect(transition(inState('approved'), { type: 'cancel', by: dave }, at(2)).state).toBe('cancelled');
    expect(() => transition(inState('provisioning'), { type: 'cancel', by: dave }, at(2))).toThrow(/provisioning; it cannot be cancelled/);
  });

  it('does not activate before the database user is recorded', () => {
    expect(() => transition(inState('provisioning'), { type: 'activate' }, at(2))).toThrow(expect.objectContaining({ code: 'RESOURCES_MISSING' }));
  });

  it('merges recorded resources step by step and ignores undefined values', () => {
    let r = inState('provisioning');
    r = transition(r, { type: 'record_resources', resources: { bastionId: 'b-1' } }, at(2));
    r = transition(r, { type: 'record_resources', resources: { dbUser: 'jit_x_1', bastionId: undefined } }, at(2));
    expect(r.resources).toEqual({ bastionId: 'b-1', dbUser: 'jit_x_1' });
  });

  it('extends an active grant after the requester asks and approvers approve (prod: two)', () => {
    let r = inState('active', 'prod');
    const endsAt = r.endsAt!;
    expect(() => transition(r, { type: 'request_extension', by: alice, minutes: 30 }, at(10))).toThrow(/Only the requester/);
    expect(() => transition(r, { type: 'approve', by: carol }, at(10))).toThrow(expect.objectContaining({ code: 'NO_PENDING_EXTENSION' }));
    r = transition(r, { type: 'request_extension', by: dave, minutes: 30, reason: 'migration slower' }, at(10));
    expect(() => transition(r, { type: 'request_extension', by: dave, minutes: 30 }, at(10))).toThrow(/already waiting/);
    expect(() => transition(r, { type: 'approve', by: dave }, at(11))).toThrow(/own request/);
    r = transition(r, { type: 'approve', by: carol }, at(11));
    expect(r.endsAt).toBe(endsAt);
    r = transition(r, { type: 'approve', by: alice }, at(12));
    expect(r.state).toBe('active');
    expect(r.pendingExtension).toBeUndefined();
    expect(r.endsAt).toBe(minutes(30, new Date(endsAt)).toISOString());
    expect(r.extensions).toHaveLength(1);
    expect(r.extensions[0]).toMatchObject({ minutes: 30, previousEndsAt: endsAt });
  });

  it('a denied extension leaves the grant active with its end unchanged', () => {
    let r = inState('active');
    r = transition(r, { type: 'request_extension', by: dave, minutes: 30 }, at(10));
    r = transition(r, { type: 'deny', by: alice, reason: 'finish tomorrow' }, at(11));
    expect(r.state).toBe('active');
    expect(r.pendingExtension).toBeUndefined();
    expect(r.denial).toBeUndefined();
  });

  it('ending a grant drops any pending extension and records why', () => {
    let r = inState('active');
    r = transition(r, { type: 'request_extension', by: dave, minutes: 30 }, at(10));
    r = transition(r, { type: 'start_revoke', reason: 'ended_by_requester', by: dave }, at(11));
    expect(r).toMatchObject({ state: 'revoking', revokeReason: 'ended_by_requester' });
    expect(r.pendingExtension).toBeUndefined();
  });

  it('keeps the failure reason', () => {
    const r = transition(inState('provisioning'), { type: 'fail', reason: 'GRANT failed: access denied' }, at(2));
    expect(r).toMatchObject({ state: 'failed', failureReason: 'GRANT failed: access denied' });
  });

  it('starts at version 1 and stamps updatedAt on every transition', () => {
    const r = newRequest();
    expect(r.version).toBe(1);
    expect(r.updatedAt).toBe(T0.toISOString());
    expect(transition(r, { type: 'approve', by: alice }, at(5)).updatedAt).toBe(at(5).toISOString());
  });
});
