import {
  accessPolicySchema,
  checkChainCompleteness,
  escalationAttempt,
  matchAutoApproval,
  renotifyOffsetMinutes,
  transition,
  withinHours,
  type AccessPolicy,
} from '../src';
import { dave, minutes, newRequest, policyInput, T0 } from './fixtures';

// T0 = Wednesday 2026-11-25 10:00 UTC (11:00 in Paris).

function policyWith(extra: Record<string, unknown>): AccessPolicy {
  return accessPolicySchema.parse({ ...policyInput, ...extra });
}

function problems(extra: Record<string, unknown>): string[] {
  const r = accessPolicySchema.safeParse({ ...policyInput, ...extra });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const devRead = { id: 'dev-read', environments: ['dev'], profiles: ['read'], maxMinutes: 60 };

describe('autoApprove rules in the policy', () => {
  it('are none by default', () => {
    expect(policyWith({}).autoApprove).toEqual([]);
    expect(policyWith({}).renotify).toBeUndefined();
  });

  it('refuse an environment wildcard, written as a list or alone, because it would include prod', () => {
    expect(problems({ autoApprove: [{ ...devRead, environments: ['*'] }] })).toEqual([
      'autoApprove.0.environments: "*" is a wildcard and would include prod; name each environment (prod only when you mean it)',
    ]);
    expect(problems({ autoApprove: [{ ...devRead, environments: 'all' }] })).toEqual([
      'autoApprove.0.environments: "all" is a wildcard and would include prod; name each environment (prod only when you mean it)',
    ]);
    expect(problems({ autoApprove: [{ ...devRead, environments: [] }] })).toEqual(['autoApprove.0.environments: name at least one environment']);
    expect(problems({ autoApprove: [{ ...devRead, environments: ['qa'] }] })).toEqual(['autoApprove.0.environments: unknown environment "qa"; one of dev, stg, prod']);
  });

  it('refuse unknown profiles and groups, duplicate ids, profiles an environment does not allow, * as a database, a bad time zone, unknown fields', () => {
    expect(
      problems({
        autoApprove: [
          { ...devRead, profiles: ['reader'], requesterGroups: ['nobody'] },
          { ...devRead, environments: ['prod'], profiles: ['ddl'] },
        ],
      }),
    ).toEqual([
      'autoApprove.0.profiles: unknown profile "reader"',
      'autoApprove.0.requesterGroups: unknown group "nobody"',
      'autoApprove.1.id: rule id "dev-read" is used twice',
      'autoApprove.1.profiles: profile "ddl" is not allowed on prod clusters, so the rule could never apply',
    ]);
    expect(problems({ autoApprove: [{ ...devRead, databases: ['*'] }] })).toEqual(['autoApprove.0.databases.0: a database name; * (every database) is never auto-approved']);
    expect(problems({ autoApprove: [{ ...devRead, hours: { timeZone: 'Mars/Olympus', from: '08:00', to: '18:00' } }] })).toEqual([
      'autoApprove.0.hours.timeZone: an IANA time zone such as Europe/Paris or UTC',
    ]);
    expect(problems({ autoApprove: [{ ...devRead, approveProd: true }] })).toEqual(['autoApprove.0: Unrecognized key: "approveProd"']);
  });
});

describe('matchAutoApproval', () => {
  const policy = policyWith({
    autoApprove: [
      { ...devRead, databases: ['shop'], hours: { timeZone: 'Europe/Paris', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }, requesterGroups: ['devs'] },
      { id: 'prod-read-oncall', environments: ['prod'], profiles: ['read'], maxMinutes: 15, requesterGroups: ['devs'] },
    ],
    groups: { ...policyInput.groups, devs: ['dave.smith+jit@example.com'] },
  });

  it('approves read on dev, shop, 60 min, in office hours, for a member', () => {
    expect(matchAutoApproval(policy, newRequest('dev', { durationMinutes: 60 }))?.id).toBe('dev-read');
  });

  it('does not approve a longer, wider, other-database, write, system or every-database request', () => {
    expect(matchAutoApproval(policy, newRequest('dev', { durationMinutes: 61 }))).toBeUndefined();
    expect(matchAutoApproval(policy, newRequest('dev', { profile: 'write' }))).toBeUndefined();
    expect(matchAutoApproval(policy, newRequest('dev', { database: 'billing' }))).toBeUndefined();
    expect(matchAutoApproval(policy, newRequest('stg'))).toBeUndefined();
  });

  it('does not approve outside the hours (Paris time) or on a weekend', () => {
    const at = (iso: string) => ({ ...newRequest('dev'), requestedAt: iso });
    expect(matchAutoApproval(policy, at('2026-11-25T06:59:00.000Z'))).toBeUndefined(); // 07:59 Paris
    expect(matchAutoApproval(policy, at('2026-11-25T07:00:00.000Z'))?.id).toBe('dev-read'); // 08:00 Paris
    expect(matchAutoApproval(policy, at('2026-11-25T17:00:00.000Z'))).toBeUndefined(); // 18:00 Paris: end excluded
    expect(matchAutoApproval(policy, at('2026-11-28T10:00:00.000Z'))).toBeUndefined(); // Saturday
  });

  it('does not approve someone outside the requester groups', () => {
    const r = newRequest('dev');
    expect(matchAutoApproval(policy, { ...r, requester: { email: 'mallory@example.com', displayName: 'M' } })).toBeUndefined();
  });

  it('approves prod only through the rule that names prod, within its 15 minutes', () => {
    expect(matchAutoApproval(policy, newRequest('prod', { durationMinutes: 15 }))?.id).toBe('prod-read-oncall');
    expect(matchAutoApproval(policy, newRequest('prod', { durationMinutes: 16 }))).toBeUndefined();
  });

  it('never approves * or a system schema, even with no database list', () => {
    const open = policyWith({
      autoApprove: [devRead],
      environments: { ...policyInput.environments, dev: { ...policyInput.environments.dev, systemDatabases: { '*': ['read'], mysql: ['read'] } } },
    });
    const on = (database: string) => ({ ...newRequest('dev'), target: { clusterId: 'dev-main', environment: 'dev' as const, database } });
    expect(matchAutoApproval(open, on('shop'))?.id).toBe('dev-read');
    expect(matchAutoApproval(open, on('*'))).toBeUndefined();
    expect(matchAutoApproval(open, on('mysql'))).toBeUndefined();
    expect(matchAutoApproval(open, on('Performance_Schema'))).toBeUndefined();
  });

  it('hours wrapping midnight belong to the day they start', () => {
    const night = { timeZone: 'UTC', days: ['fri' as const], from: '22:00', to: '06:00' };
    expect(withinHours(night, new Date('2026-11-27T23:00:00Z'))).toBe(true); // Friday 23:00
    expect(withinHours(night, new Date('2026-11-28T05:59:00Z'))).toBe(true); // Saturday 05:59, Friday's night
    expect(withinHours(night, new Date('2026-11-28T06:00:00Z'))).toBe(false);
    expect(withinHours(night, new Date('2026-11-28T23:00:00Z'))).toBe(false); // Saturday night
  });
});

describe('the auto_approve transition', () => {
  it('approves at once, even where people need two approvals, recorded as the rule and not a person', () => {
    const r = transition(newRequest('prod'), { type: 'auto_approve', rule: 'prod-read-oncall' }, minutes(1));
    expect(r).toMatchObject({
      state: 'approved',
      decidedAt: minutes(1).toISOString(),
      approvals: [{ by: { policyRule: 'prod-read-oncall', displayName: 'policy:prod-read-oncall' }, at: minutes(1).toISOString() }],
      version: 2,
    });
  });

  it('refuses a rule id that is not one', () => {
    expect(() => transition(newRequest('dev'), { type: 'auto_approve', rule: 'Robert"); DROP' }, T0)).toThrow('is not a policy rule id');
  });

  it('the requester is never taken for the rule', () => {
    const r = transition(newRequest('dev'), { type: 'auto_approve', rule: 'dev-read' }, T0);
    expect(r.approvals[0]?.by.email).toBeUndefined();
    expect(r.requester.email).toBe(dave.email.toLowerCase());
  });

  it('a prod chain approved by a rule is complete with one approval event', () => {
    const events = [{ kind: 'requested' as const }, { kind: 'approved' as const, data: { policyRule: 'prod-read-oncall' } }];
    expect(checkChainCompleteness(events, { state: 'approved', approvalsRequired: 2 })).toEqual({ complete: true });
    expect(checkChainCompleteness([events[0]!, { kind: 'approved', data: {} }], { state: 'approved', approvalsRequired: 2 })).toMatchObject({ complete: false });
  });
});

describe('renotify policy', () => {
  it('backs off from afterMinutes and escalates on the configured attempt (default: the last)', () => {
    const p = policyWith({ renotify: { afterMinutes: 10, backoff: 2, max: 3, escalateTo: { channel: 'C0ESCAL8' } } }).renotify!;
    expect([1, 2, 3].map((n) => renotifyOffsetMinutes(p, n))).toEqual([10, 30, 70]);
    expect(escalationAttempt(p)).toBe(3);
    const q = policyWith({ renotify: { afterMinutes: 5, max: 4, escalateTo: { attempt: 2, userGroup: 'S0LEADS' } } }).renotify!;
    expect(q.backoff).toBe(2);
    expect(escalationAttempt(q)).toBe(2);
  });

  it('refuses an escalation with nowhere to go, past max, or a channel that is not an id', () => {
    expect(problems({ renotify: { afterMinutes: 5, max: 2, escalateTo: {} } })).toEqual(['renotify.escalateTo: give a channel, a userGroup or both']);
    expect(problems({ renotify: { afterMinutes: 5, max: 2, escalateTo: { attempt: 3, channel: 'C0ESCAL8' } } })).toEqual(['renotify.escalateTo.attempt: escalateTo.attempt must not exceed max']);
    expect(problems({ renotify: { afterMinutes: 5, max: 2, escalateTo: { channel: '#dbre-leads' } } })).toEqual(['renotify.escalateTo.channel: a Slack channel id like C0123ABCD']);
  });
});
