import { createAccessRequest, grantedMinutes, transition, validateExtension, validateNewRequest, type AccessRequest, type RequestEvent } from '../src';
import { alice, bob, carol, dave, minutes, newRequest, policy, T0 } from './fixtures';

// Approver shortens (#15) and scheduled start: expectations written from the issue, by hand.

const go = (r: AccessRequest, e: RequestEvent, atMinute: number) => transition(r, e, minutes(atMinute));
const iso = (atMinute: number) => minutes(atMinute).toISOString();

function refusal(r: AccessRequest, e: RequestEvent): { code: string; kind: string; message: string } {
  try {
    go(r, e, 5);
  } catch (err) {
    const { code, kind, message } = err as { code: string; kind: string; message: string };
    return { code, kind, message };
  }
  throw new Error(`${e.type} was accepted`);
}

const activate = (r: AccessRequest, atMinute: number) => {
  const p = go(go(r, { type: 'start_provisioning' }, atMinute), { type: 'record_resources', resources: { dbUser: 'jit_dave_smith_abcde' } }, atMinute);
  return go(p, { type: 'activate' }, atMinute);
};

describe('an approver approving for less than was asked', () => {
  it('records the shorter minutes on the approval and the grant ends that many minutes after activation', () => {
    const r = go(newRequest('dev', { durationMinutes: 60 }), { type: 'approve', by: alice, minutes: 30 }, 1);
    expect(r).toMatchObject({ state: 'approved', durationMinutes: 60, approvedMinutes: 30, approvals: [{ by: alice, at: iso(1), minutes: 30 }] });
    expect(activate(r, 2).endsAt).toBe(iso(32));
  });

  it('approving for exactly what was asked records no shorter duration', () => {
    const r = go(newRequest('dev', { durationMinutes: 60 }), { type: 'approve', by: alice, minutes: 60 }, 1);
    expect(r.approvedMinutes).toBeUndefined();
    expect(r.approvals).toEqual([{ by: alice, at: iso(1) }]);
    expect(activate(r, 2).endsAt).toBe(iso(62));
  });

  it('with two approvals required, the shortest approved duration wins, whichever comes first', () => {
    const first = go(newRequest('prod', { durationMinutes: 90 }), { type: 'approve', by: alice, minutes: 20 }, 1);
    expect(first).toMatchObject({ state: 'requested', approvedMinutes: 20 });
    const second = go(first, { type: 'approve', by: bob, minutes: 45 }, 2);
    expect(second).toMatchObject({ state: 'approved', approvedMinutes: 20 });
    const reversed = go(go(newRequest('prod', { durationMinutes: 90 }), { type: 'approve', by: alice, minutes: 45 }, 1), { type: 'approve', by: carol }, 2);
    expect(reversed.approvedMinutes).toBe(45);
    expect(activate(second, 3).endsAt).toBe(iso(23));
  });

  it.each([
    [61, 'The approved duration (61 min) is longer than the 60 min asked; an approver may only shorten it.'],
    [0, 'The approved duration must be a positive whole number of minutes; got 0.'],
    [-5, 'The approved duration must be a positive whole number of minutes; got -5.'],
    [2.5, 'The approved duration must be a positive whole number of minutes; got 2.5.'],
  ])('refuses %s minutes with a sentence saying why, and changes nothing', (m, message) => {
    const r = newRequest('dev', { durationMinutes: 60 });
    expect(refusal(r, { type: 'approve', by: alice, minutes: m })).toEqual({ code: 'APPROVAL_DURATION_INVALID', kind: 'invalid', message });
    expect(r.approvals).toEqual([]);
  });

  it('refuses a shorter duration on an extension approval', () => {
    let r = activate(go(newRequest('dev'), { type: 'approve', by: alice }, 1), 2);
    r = go(r, { type: 'request_extension', by: dave, minutes: 30 }, 10);
    expect(refusal(r, { type: 'approve', by: bob, minutes: 10 })).toMatchObject({ code: 'APPROVAL_DURATION_INVALID', kind: 'invalid' });
  });

  it('an extension counts the approved minutes, not the asked ones, toward the maximum', () => {
    // dev maximum 480: asked 480, approved 400, so 80 more fit and 81 do not.
    const r = activate(go(newRequest('dev', { durationMinutes: 480 }), { type: 'approve', by: alice, minutes: 400 }, 1), 2);
    expect(grantedMinutes(r)).toBe(400);
    expect(validateExtension(policy, r, 80)).toEqual({ allowed: true });
    expect(validateExtension(policy, r, 81)).toMatchObject({ allowed: false, code: 'EXTENSION_TOO_LONG' });
  });
});

describe('a request with a scheduled start', () => {
  const input = (startAt: string) => ({ requester: dave, clusterId: 'dev-main', database: 'shop', profile: 'read', reason: 'maintenance window OPS-77', startAt });
  const dev = { id: 'dev-main', environment: 'dev' as const };

  it('keeps the start and may be reviewed until it, not longer', () => {
    const r = createAccessRequest(policy, input('2026-11-26T02:00:00+02:00'), dev, T0);
    expect(r.startAt).toBe('2026-11-26T00:00:00.000Z');
    expect(r.reviewExpiresAt).toBe('2026-11-26T00:00:00.000Z');
    expect(() => go(r, { type: 'expire' }, 60)).toThrow('may still be reviewed until 2026-11-26T00:00:00.000Z');
    expect(go(r, { type: 'expire' }, 14 * 60).state).toBe('expired');
  });

  it('refuses a start in the past and one further ahead than the policy allows (7 days by default)', () => {
    expect(validateNewRequest(policy, input('2026-11-25T09:59:00Z'), dev, { now: T0, minuteMs: 60_000 })).toEqual({
      ok: false,
      problems: ['startAt 2026-11-25T09:59:00Z is in the past; give a later time or leave it out to start at approval'],
    });
    expect(validateNewRequest(policy, input('2026-12-02T10:00:00Z'), dev, { now: T0, minuteMs: 60_000 })).toMatchObject({ ok: true });
    expect(validateNewRequest(policy, input('2026-12-02T10:01:00Z'), dev, { now: T0, minuteMs: 60_000 })).toEqual({
      ok: false,
      problems: ['startAt 2026-12-02T10:01:00Z is more than 10080 min ahead (the policy maximum); ask closer to the time'],
    });
  });

  it('refuses a start that is not a time with a zone', () => {
    for (const bad of ['tomorrow', '2026-11-26T02:00:00', '2026-13-01T00:00:00Z']) {
      expect(validateNewRequest(policy, input(bad), dev, { now: T0, minuteMs: 60_000 })).toEqual({
        ok: false,
        problems: ['startAt: an ISO 8601 time with a zone, e.g. 2026-12-03T06:00:00Z'],
      });
    }
  });
});
