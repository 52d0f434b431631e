import { acceptsEvent, DomainError, REQUEST_STATES, transition, type AccessRequest, type RequestEvent } from '../src';
import { alice, bob, carol, dave, minutes, newRequest } from './fixtures';

/*
 * Every state × every event, written by hand from the documented machine (ARCHITECTURE.md
 * "state machine", docs/access-libs.md "transition"), not from the code's ACCEPTED_EVENTS:
 *
 *   requested -> approved -> provisioning -> active -> revoking -> revoked
 *             \-> denied | cancelled | expired (not reviewed in time)
 *   provisioning -> failed (after compensation); approved -> failed; approved -> cancelled
 *   active -> active (record resources; ask for an extension; approve or refuse it)
 *
 * A lower-case cell is the state the request moves to; an upper-case cell is the refusal's code.
 * ILLEGAL = the state does not take that event at all. The terminal states take nothing: a
 * governance tool never re-provisions a failed or revoked request, never revokes twice, never
 * reopens a denied, cancelled or expired one.
 */
const ILLEGAL = 'ILLEGAL_TRANSITION';

const EVENTS = {
  approve: { type: 'approve', by: carol },
  auto_approve: { type: 'auto_approve', rule: 'dev-read' },
  deny: { type: 'deny', by: carol, reason: 'not during the freeze' },
  cancel: { type: 'cancel', by: dave },
  expire: { type: 'expire' },
  start_provisioning: { type: 'start_provisioning' },
  record_resources: { type: 'record_resources', resources: { secretId: 'dbre/access/x' } },
  activate: { type: 'activate' },
  fail: { type: 'fail', reason: 'bastion did not start' },
  request_extension: { type: 'request_extension', by: dave, minutes: 30 },
  start_revoke: { type: 'start_revoke', reason: 'ended_by_requester', by: dave },
  complete_revoke: { type: 'complete_revoke' },
} satisfies Record<string, RequestEvent>;
type EventName = keyof typeof EVENTS;
type Row = Record<EventName, string>;

const MATRIX: Record<string, Row> = {
  // prettier-ignore
  requested: {
    approve: 'approved', auto_approve: 'approved', deny: 'denied', cancel: 'cancelled', expire: 'expired',
    start_provisioning: ILLEGAL, record_resources: ILLEGAL, activate: ILLEGAL, fail: ILLEGAL,
    request_extension: ILLEGAL, start_revoke: ILLEGAL, complete_revoke: ILLEGAL,
  },
  // prettier-ignore
  approved: {
    approve: ILLEGAL, auto_approve: ILLEGAL, deny: ILLEGAL, cancel: 'cancelled', expire: ILLEGAL,
    start_provisioning: 'provisioning', record_resources: ILLEGAL, activate: ILLEGAL, fail: 'failed',
    request_extension: ILLEGAL, start_revoke: ILLEGAL, complete_revoke: ILLEGAL,
  },
  // prettier-ignore
  'provisioning (database user recorded)': {
    approve: ILLEGAL, auto_approve: ILLEGAL, deny: ILLEGAL, cancel: ILLEGAL, expire: ILLEGAL,
    start_provisioning: ILLEGAL, record_resources: 'provisioning', activate: 'active', fail: 'failed',
    request_extension: ILLEGAL, start_revoke: ILLEGAL, complete_revoke: ILLEGAL,
  },
  // prettier-ignore
  'provisioning (nothing recorded yet)': {
    approve: ILLEGAL, auto_approve: ILLEGAL, deny: ILLEGAL, cancel: ILLEGAL, expire: ILLEGAL,
    start_provisioning: ILLEGAL, record_resources: 'provisioning', activate: 'RESOURCES_MISSING', fail: 'failed',
    request_extension: ILLEGAL, start_revoke: ILLEGAL, complete_revoke: ILLEGAL,
  },
  // prettier-ignore
  active: {
    approve: 'NO_PENDING_EXTENSION', auto_approve: ILLEGAL, deny: 'NO_PENDING_EXTENSION', cancel: ILLEGAL, expire: ILLEGAL,
    start_provisioning: ILLEGAL, record_resources: 'active', activate: ILLEGAL, fail: ILLEGAL,
    request_extension: 'active', start_revoke: 'revoking', complete_revoke: ILLEGAL,
  },
  // prettier-ignore
  'active (extension pending)': {
    approve: 'active', auto_approve: ILLEGAL, deny: 'active', cancel: ILLEGAL, expire: ILLEGAL,
    start_provisioning: ILLEGAL, record_resources: 'active', activate: ILLEGAL, fail: ILLEGAL,
    request_extension: 'EXTENSION_PENDING', start_revoke: 'revoking', complete_revoke: ILLEGAL,
  },
  // prettier-ignore
  revoking: {
    approve: ILLEGAL, auto_approve: ILLEGAL, deny: ILLEGAL, cancel: ILLEGAL, expire: ILLEGAL,
    start_provisioning: ILLEGAL, record_resources: 'revoking', activate: ILLEGAL, fail: ILLEGAL,
    request_extension: ILLEGAL, start_revoke: ILLEGAL, complete_revoke: 'revoked',
  },
  // prettier-ignore
  revoked: {
    approve: ILLEGAL, auto_approve: ILLEGAL, deny: ILLEGAL, cancel: ILLEGAL, expire: ILLEGAL,
    start_provisioning: ILLEGAL, record_resources: ILLEGAL, activate: ILLEGAL, fail: ILLEGAL,
    request_extension: ILLEGAL, start_revoke: ILLEGAL, complete_revoke: ILLEGAL,
  },
  // prettier-ignore
  denied: {
    approve: ILLEGAL, auto_approve: ILLEGAL, deny: ILLEGAL, cancel: ILLEGAL, expire: ILLEGAL,
    start_provisioning: ILLEGAL, record_resources: ILLEGAL, activate: ILLEGAL, fail: ILLEGAL,
    request_extension: ILLEGAL, start_revoke: ILLEGAL, complete_revoke: ILLEGAL,
  },
  // prettier-ignore
  cancelled: {
    approve: ILLEGAL, auto_approve: ILLEGAL, deny: ILLEGAL, cancel: ILLEGAL, expire: ILLEGAL,
    start_provisioning: ILLEGAL, record_resources: ILLEGAL, activate: ILLEGAL, fail: ILLEGAL,
    request_extension: ILLEGAL, start_revoke: ILLEGAL, complete_revoke: ILLEGAL,
  },
  // prettier-ignore
  expired: {
    approve: ILLEGAL, auto_approve: ILLEGAL, deny: ILLEGAL, cancel: ILLEGAL, expire: ILLEGAL,
    start_provisioning: ILLEGAL, record_resources: ILLEGAL, activate: ILLEGAL, fail: ILLEGAL,
    request_extension: ILLEGAL, start_revoke: ILLEGAL, complete_revoke: ILLEGAL,
  },
  // prettier-ignore
  failed: {
    approve: ILLEGAL, auto_approve: ILLEGAL, deny: ILLEGAL, cancel: ILLEGAL, expire: ILLEGAL,
    start_provisioning: ILLEGAL, record_resources: ILLEGAL, activate: ILLEGAL, fail: ILLEGAL,
    request_extension: ILLEGAL, start_revoke: ILLEGAL, complete_revoke: ILLEGAL,
  },
};

/** The request each row starts from, reached through the documented path (dev: one approval). */
const FIXTURES: Record<keyof typeof MATRIX, () => AccessRequest> = {
  requested: () => newRequest(),
  approved: () => walk(newRequest(), [{ type: 'approve', by: alice }]),
  'provisioning (database user recorded)': () =>
    walk(FIXTURES['provisioning (nothing recorded yet)']!(), [{ type: 'record_resources', resources: { dbUser: 'jit_dave_smith_abcde' } }]),
  'provisioning (nothing recorded yet)': () => walk(FIXTURES['approved']!(), [{ type: 'start_provisioning' }]),
  active: () => walk(FIXTURES['provisioning (database user recorded)']!(), [{ type: 'activate' }]),
  'active (extension pending)': () => walk(FIXTURES['active']!(), [{ type: 'request_extension', by: dave, minutes: 15 }]),
  revoking: () => walk(FIXTURES['active']!(), [{ type: 'start_revoke', reason: 'expired' }]),
  revoked: () => walk(FIXTURES['revoking']!(), [{ type: 'complete_revoke' }]),
  denied: () => walk(newRequest(), [{ type: 'deny', by: bob, reason: 'use the replica' }]),
  cancelled: () => walk(newRequest(), [{ type: 'cancel', by: dave }]),
  expired: () => walk(newRequest(), [{ type: 'expire' }], 31),
  failed: () => walk(FIXTURES['provisioning (nothing recorded yet)']!(), [{ type: 'fail', reason: 'GRANT refused' }]),
};

const built = new Map<string, AccessRequest>();
/** Each row's request, built once (transition is pure; the tests below check it stays so). */
function fixture(row: string): AccessRequest {
  if (!built.has(row)) built.set(row, FIXTURES[row]!());
  return built.get(row)!;
}

function walk(r: AccessRequest, events: RequestEvent[], atMinute = 1): AccessRequest {
  return events.reduce((acc, e) => transition(acc, e, minutes(atMinute)), r);
}

// After the review window (30 min in the fixture policy), so `expire` is due where it is legal.
const NOW = minutes(120);

/** What the machine does: the next state, or the refusal's code. */
function outcome(request: AccessRequest, event: RequestEvent): string {
  try {
    return transition(request, event, NOW).state;
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
}

describe('the state machine, cell by cell', () => {
  it('has a row for every state and a column for every event', () => {
    const rowStates = new Set(Object.keys(FIXTURES).map((row) => fixture(row).state));
    expect([...rowStates].sort()).toEqual([...REQUEST_STATES].sort());
    for (const row of Object.values(MATRIX)) expect(Object.keys(row).sort()).toEqual(Object.keys(EVENTS).sort());
  });

  it('starts each row from the state it names', () => {
    const states = Object.fromEntries(Object.keys(FIXTURES).map((row) => [row, fixture(row).state]));
    expect(states).toEqual({
      requested: 'requested',
      approved: 'approved',
      'provisioning (database user recorded)': 'provisioning',
      'provisioning (nothing recorded yet)': 'provisioning',
      active: 'active',
      'active (extension pending)': 'active',
      revoking: 'revoking',
      revoked: 'revoked',
      denied: 'denied',
      cancelled: 'cancelled',
      expired: 'expired',
      failed: 'failed',
    });
  });

  for (const [row, expected] of Object.entries(MATRIX)) {
    it(`${row}: ${Object.entries(expected).filter(([, to]) => to !== ILLEGAL).map(([e, to]) => `${e} -> ${to}`).join(', ') || 'takes no event'}`, () => {
      const request = fixture(row);
      const actual = Object.fromEntries(Object.entries(EVENTS).map(([name, event]) => [name, outcome(request, event)]));
      expect(actual).toEqual(expected);
    });
  }

  it('acceptsEvent (what the UI offers) says yes exactly where the matrix is not ILLEGAL', () => {
    for (const [row, expected] of Object.entries(MATRIX)) {
      const state = fixture(row).state;
      const accepted = Object.fromEntries(Object.keys(EVENTS).map((name) => [name, acceptsEvent(state, name as EventName)]));
      expect({ row, accepted }).toEqual({ row, accepted: Object.fromEntries(Object.entries(expected).map(([name, to]) => [name, to !== ILLEGAL])) });
    }
  });

  it('every accepted transition adds exactly one version and stamps the time; a refusal changes nothing', () => {
    for (const [row, expected] of Object.entries(MATRIX)) {
      for (const [name, to] of Object.entries(expected)) {
        const request = fixture(row);
        const before = structuredClone(request);
        const event = EVENTS[name as EventName];
        if (to === to.toLowerCase()) {
          const next = transition(request, event, NOW);
          expect({ row, name, version: next.version, updatedAt: next.updatedAt }).toEqual({ row, name, version: before.version + 1, updatedAt: NOW.toISOString() });
        } else {
          expect(() => transition(request, event, NOW)).toThrow(DomainError);
        }
        expect(request).toEqual(before);
      }
    }
  });

  it('an illegal event is a conflict that names the state and the event, for the person and for the API', () => {
    const failed = fixture('failed');
    let caught: unknown;
    try {
      transition(failed, { type: 'start_provisioning' }, NOW);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect(caught).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      kind: 'conflict',
      message: `Request ${failed.id} is failed; it cannot be provisioned now.`,
      details: { state: 'failed', event: 'start_provisioning' },
    });
    const revoked = fixture('revoked');
    expect(() => transition(revoked, EVENTS.start_revoke, NOW)).toThrow(`Request ${revoked.id} is revoked; it cannot be ended now.`);
    expect(() => transition(revoked, EVENTS.complete_revoke, NOW)).toThrow(`Request ${revoked.id} is revoked; it cannot be revoked now.`);
  });
});
