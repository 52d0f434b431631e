import { accessPolicySchema, autoApproveMismatch, escalationAttempt, matchAutoApproval, policyActor, renotifyOffsetMinutes, withinHours, type AutoApprovalPolicy, type AutoApproveRule } from '../src';
import { newRequest, policyInput } from './fixtures';

// Why a rule did or did not approve a request (shown to the requester and in the audit), office hours
// to the minute, and the reminder schedule. Expectations written by hand; T0 is Wednesday 2026-11-25
// 10:00 UTC and the fixture requester is dave.smith+jit@example.com (Slack U0DAVE).

const problems = (extra: Record<string, unknown>): string[] => {
  const r = accessPolicySchema.safeParse({ ...policyInput, ...extra });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const rule = (over: Partial<AutoApproveRule> = {}): AutoApproveRule => ({ id: 'dev-read', environments: ['dev'], profiles: ['read'], maxMinutes: 60, ...over });
const policyOf = (rules: AutoApproveRule[], groups: Record<string, string[]> = {}): AutoApprovalPolicy => ({ autoApprove: rules, groups });
const on = (database: string) => ({ ...newRequest('dev'), target: { clusterId: 'dev-main', environment: 'dev' as const, database } });

describe('why a rule does not approve a request', () => {
  it('names the environment, profile, duration, database, hours or group that did not fit', () => {
    const p = policyOf([]);
    expect(autoApproveMismatch(p, rule({ environments: ['stg', 'prod'] }), newRequest('dev'))).toBe('environment dev is not in stg, prod');
    expect(autoApproveMismatch(p, rule({ profiles: ['write', 'ddl'] }), newRequest('dev'))).toBe('profile read is not in write, ddl');
    expect(autoApproveMismatch(p, rule({ maxMinutes: 59 }), newRequest('dev'))).toBe("60 min is over the rule's 59 min");
    expect(autoApproveMismatch(p, rule({ databases: ['billing', 'crm'] }), newRequest('dev'))).toBe('database shop is not in billing, crm');
    expect(autoApproveMismatch(p, rule({ hours: { timeZone: 'UTC', days: ['wed'], from: '11:00', to: '12:00' } }), newRequest('dev'))).toBe('requested outside 11:00-12:00 UTC');
    expect(autoApproveMismatch(policyOf([], { devs: ['erin@example.com'], ops: [] }), rule({ requesterGroups: ['devs', 'ops'] }), newRequest('dev'))).toBe('the requester is in none of devs, ops');
    expect(autoApproveMismatch(p, rule({ maxMinutes: 60 }), newRequest('dev'))).toBeUndefined();
  });

  it('never approves every database or a system schema, in any case', () => {
    const p = policyOf([]);
    for (const db of ['*', 'mysql', 'MySQL', 'sys', 'SYS', 'information_schema', 'Information_Schema', 'performance_schema']) {
      expect(autoApproveMismatch(p, rule(), on(db))).toBe(`${db} is a system target`);
    }
    expect(autoApproveMismatch(p, rule(), on('sysops'))).toBeUndefined();
  });

  it('finds the requester in a group by e-mail in any case, or by Slack id', () => {
    const request = newRequest('dev');
    expect(autoApproveMismatch(policyOf([], { devs: ['Dave.Smith+JIT@example.com'] }), rule({ requesterGroups: ['devs'] }), request)).toBeUndefined();
    expect(autoApproveMismatch(policyOf([], { devs: ['U0DAVE'] }), rule({ requesterGroups: ['devs'] }), request)).toBeUndefined();
    expect(autoApproveMismatch(policyOf([], { devs: ['u0dave'] }), rule({ requesterGroups: ['devs'] }), request)).toBe('the requester is in none of devs');
    const noSlack = { ...request, requester: { email: 'dave.smith+jit@example.com', displayName: 'Dave' } };
    expect(autoApproveMismatch(policyOf([], { devs: ['U0DAVE'] }), rule({ requesterGroups: ['devs'] }), noSlack)).toBe('the requester is in none of devs');
    expect(autoApproveMismatch(policyOf([], { ops: [], devs: ['dave.smith+jit@example.com'] }), rule({ requesterGroups: ['ops', 'devs'] }), request)).toBeUndefined();
  });

  it('takes a prototype name for no group', () => {
    expect(autoApproveMismatch(policyOf([], {}), rule({ requesterGroups: ['constructor', 'toString'] }), newRequest('dev'))).toBe('the requester is in none of constructor, toString');
  });

  it('the first matching rule in file order wins', () => {
    const p = policyOf([rule({ id: 'narrow', maxMinutes: 30 }), rule({ id: 'first' }), rule({ id: 'second' })]);
    expect(matchAutoApproval(p, newRequest('dev'))?.id).toBe('first');
  });

  it('a rule acts as policy:<id>, never as a person', () => {
    expect(policyActor('dev-read')).toBe('policy:dev-read');
  });
});

describe('office hours to the minute', () => {
  const hours = { timeZone: 'Europe/Paris', days: ['mon' as const, 'tue' as const, 'wed' as const, 'thu' as const, 'fri' as const], from: '08:30', to: '17:45' };

  it('start at the minute written (inclusive) and stop at the minute written (exclusive)', () => {
    // Paris is UTC+1 in November.
    expect(withinHours(hours, new Date('2026-11-25T07:29:00Z'))).toBe(false);
    expect(withinHours(hours, new Date('2026-11-25T07:30:00Z'))).toBe(true);
    expect(withinHours(hours, new Date('2026-11-25T16:44:00Z'))).toBe(true);
    expect(withinHours(hours, new Date('2026-11-25T16:45:00Z'))).toBe(false);
  });

  it('a night window starts on its minute and does not cover the day between its end and its start', () => {
    const night = { timeZone: 'UTC', days: ['fri' as const], from: '22:30', to: '06:15' };
    expect(withinHours(night, new Date('2026-11-27T22:29:00Z'))).toBe(false);
    expect(withinHours(night, new Date('2026-11-27T22:30:00Z'))).toBe(true);
    expect(withinHours(night, new Date('2026-11-27T12:00:00Z'))).toBe(false); // Friday noon
    expect(withinHours(night, new Date('2026-11-28T06:14:00Z'))).toBe(true);
    expect(withinHours(night, new Date('2026-11-28T06:15:00Z'))).toBe(false);
  });

  it("Sunday's night window covers Monday morning (the week wraps)", () => {
    const sunday = { timeZone: 'UTC', days: ['sun' as const], from: '22:00', to: '06:00' };
    expect(withinHours(sunday, new Date('2026-11-30T02:00:00Z'))).toBe(true); // Monday 02:00
    expect(withinHours(sunday, new Date('2026-11-24T02:00:00Z'))).toBe(false); // Tuesday 02:00
    const monday = { timeZone: 'UTC', days: ['mon' as const], from: '22:00', to: '06:00' };
    expect(withinHours(monday, new Date('2026-11-24T02:00:00Z'))).toBe(true); // Tuesday 02:00: Monday's night
    expect(withinHours(monday, new Date('2026-11-30T02:00:00Z'))).toBe(false); // Monday 02:00: Sunday's night
  });

  it('are read in the rule time zone, day included', () => {
    // Friday 23:30 UTC is Saturday 08:30 in Tokyo.
    const tokyo = { timeZone: 'Asia/Tokyo', days: ['sat' as const], from: '08:00', to: '09:00' };
    expect(withinHours(tokyo, new Date('2026-11-27T23:30:00Z'))).toBe(true);
    expect(withinHours({ ...tokyo, days: ['fri'] }, new Date('2026-11-27T23:30:00Z'))).toBe(false);
  });
});

describe('rule and reminder settings', () => {
  it('refuse wildcards however they are written, and hours that start where they end', () => {
    const devRead = { id: 'dev-read', profiles: ['read'], maxMinutes: 60 };
    expect(problems({ autoApprove: [{ ...devRead, environments: [' Every '] }] })).toEqual([
      'autoApprove.0.environments: " Every " is a wildcard and would include prod; name each environment (prod only when you mean it)',
    ]);
    expect(problems({ autoApprove: [{ ...devRead, environments: ['dev', 'ANY'] }] })).toHaveLength(1);
    expect(problems({ autoApprove: [{ ...devRead, environments: 'dev' }] })).toEqual([]);
    expect(problems({ autoApprove: [{ ...devRead, environments: ['dev'], hours: { timeZone: 'UTC', from: '08:00', to: '08:00' } }] })).toEqual([
      'autoApprove.0.hours: from and to must differ',
    ]);
    expect(problems({ autoApprove: [{ ...devRead, environments: ['dev'], hours: { timeZone: 'UTC', from: '08:00', to: '08:01' } }] })).toEqual([]);
  });

  it('take an escalation on the last reminder, to a channel or a user group alone', () => {
    expect(problems({ renotify: { afterMinutes: 5, max: 2, escalateTo: { attempt: 2, channel: 'C0ESCAL8' } } })).toEqual([]);
    expect(problems({ renotify: { afterMinutes: 5, max: 2, escalateTo: { userGroup: 'S0LEADS' } } })).toEqual([]);
  });

  it('without an escalation, no reminder escalates', () => {
    const r = accessPolicySchema.parse({ ...policyInput, renotify: { afterMinutes: 5, max: 3 } }).renotify!;
    expect(escalationAttempt(r)).toBeUndefined();
  });

  it('reminders come after afterMinutes, then at constant or growing waits', () => {
    expect([0, 1, 2, 3].map((n) => renotifyOffsetMinutes({ afterMinutes: 15, backoff: 1, max: 3 }, n))).toEqual([0, 15, 30, 45]);
    expect([1, 2, 3].map((n) => renotifyOffsetMinutes({ afterMinutes: 4, backoff: 1.5, max: 3 }, n))).toEqual([4, 10, 19]);
  });
});
