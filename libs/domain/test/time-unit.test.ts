import { createAccessRequest, EMPTY_AUDIT_HEAD, extendAuditChain, GENESIS_HASH, transition, verifyAuditEvents, warnAt } from '../src';
import { alice, bob, dave, policy, T0 } from './fixtures';

/** A request whose policy minute lasts one second (tests and benchmarks). */
const fast = () =>
  createAccessRequest(policy, { requester: dave, clusterId: 'dev-main', database: 'shop', profile: 'read', durationMinutes: 5, reason: 'investigate INC-42 slow orders' }, { id: 'dev-main', environment: 'dev' }, T0, undefined, { minuteMs: 1000 });

describe('the time unit of a request', () => {
  it('is fixed when the request is made and sets the review expiry in that unit', () => {
    const r = fast();
    expect(r.minuteMs).toBe(1000);
    expect(r.reviewExpiresAt).toBe('2026-11-25T10:00:30.000Z'); // 30 policy minutes of 1 s
  });

  it('a real-minute request does not carry it and keeps 60 s minutes', () => {
    const r = createAccessRequest(policy, { requester: dave, clusterId: 'dev-main', database: 'shop', profile: 'read', reason: 'investigate INC-42 slow orders' }, { id: 'dev-main', environment: 'dev' }, T0);
    expect(r.minuteMs).toBeUndefined();
    expect(r.reviewExpiresAt).toBe('2026-11-25T10:30:00.000Z');
  });

  it('activation computes the end once, in the request unit; the warning and an extension follow it', () => {
    let r = fast();
    r = transition(r, { type: 'approve', by: alice }, T0);
    r = transition(r, { type: 'start_provisioning' }, T0);
    r = transition(r, { type: 'record_resources', resources: { dbUser: 'jit_dave_x' } }, T0);
    const activeAt = new Date('2026-11-25T10:00:02.000Z');
    r = transition(r, { type: 'activate' }, activeAt);
    expect(r.endsAt).toBe('2026-11-25T10:00:07.000Z');
    expect(warnAt({ ...policy, warnBeforeMinutes: 2 }, r)?.toISOString()).toBe('2026-11-25T10:00:05.000Z');
    r = transition(r, { type: 'request_extension', by: dave, minutes: 3 }, activeAt);
    r = transition(r, { type: 'approve', by: bob }, activeAt);
    expect(r.endsAt).toBe('2026-11-25T10:00:10.000Z');
    expect(r.extensions[0]).toMatchObject({ previousEndsAt: '2026-11-25T10:00:07.000Z', endsAt: '2026-11-25T10:00:10.000Z' });
  });
});

describe('extending an audit chain from its head', () => {
  it('numbers and links new events, skips keys already there, and the result verifies', () => {
    const first = extendAuditChain('R1', EMPTY_AUDIT_HEAD, [{ key: 'requested', kind: 'requested', actor: 'dave@example.com' }], T0);
    expect(first.events[0]).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, at: T0.toISOString(), data: {} });
    const second = extendAuditChain('R1', first.head, [
      { key: 'requested', kind: 'requested' },
      { key: 'approved:alice', kind: 'approved', data: { n: 1 } },
      { key: 'approved:alice', kind: 'approved', data: { n: 2 } },
    ], T0);
    expect(second.events.map((e) => [e.seq, e.key, e.data])).toEqual([[2, 'approved:alice', { n: 1 }]]);
    expect(second.head).toEqual({ seq: 2, hash: second.events[0]!.hash, keys: ['requested', 'approved:alice'], archived: 0 });
    expect(verifyAuditEvents([...first.events, ...second.events])).toMatchObject({ ok: true, count: 2 });
  });

  it('refuses a secret-looking field before anything is chained', () => {
    expect(() => extendAuditChain('R1', EMPTY_AUDIT_HEAD, [{ key: 'user_created', kind: 'user_created', data: { password: 'x' } }], T0)).toThrow(/never carry secrets/);
  });
});
