import { accessPolicySchema, approversOf, canApprove, canDeny, createAccessRequest, DomainError, findProfile, forDeployment, profilePrivileges, transition, validateExtension, validateNewRequest, warnAt } from '../src';
import { alice, bob, carol, dave, minutes, newRequest, policy, policyInput, T0 } from './fixtures';

const dev = { id: 'dev-main', environment: 'dev' as const };
const prod = { id: 'prod-main', environment: 'prod' as const };
const input = (over: Record<string, unknown> = {}) => ({ requester: dave, clusterId: 'dev-main', database: 'shop', profile: 'read', reason: 'investigate INC-42 slow orders', ...over });
const problemsOf = (p: unknown) => {
  const r = accessPolicySchema.safeParse(p);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('access policy configuration', () => {
  it('flattens profiles through includes, normalising privilege names', () => {
    expect(policy.profiles['read']!.privileges).toEqual(['SELECT', 'SHOW VIEW']);
    expect(policy.profiles['write']!.privileges).toEqual(['SELECT', 'SHOW VIEW', 'INSERT', 'UPDATE', 'DELETE']);
    expect(policy.profiles['ddl']!.privileges).toEqual(['SELECT', 'SHOW VIEW', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'ALTER', 'INDEX', 'DROP']);
  });

  it('applies defaults: self-approval off, review expiry, warning, user prefix and name limits', () => {
    expect(policy.selfApproval).toBe(false);
    expect(policy.warnBeforeMinutes).toBe(10);
    expect(policy.dbUser).toEqual({ prefix: 'jit_', maxLength: { 'aurora-mysql': 32, mysql: 32, mariadb: 80 } });
    expect(policy.environments.dev.approvalsRequired).toBe(1);
    expect(policy.environments.prod.approvalsRequired).toBe(2);
  });

  it('refuses privileges outside the allow-list', () => {
    for (const bad of ['SUPER', 'ALL', 'ALL PRIVILEGES', 'GRANT OPTION', 'FILE', 'CREATE USER', 'SELECT; DROP']) {
      expect(problemsOf({ ...policyInput, profiles: { read: { privileges: [bad] } } }).join()).toMatch(/not a grantable privilege/);
    }
  });

  it('refuses unknown includes, cycles, empty profiles and unknown groups', () => {
    expect(problemsOf({ ...policyInput, profiles: { a: { includes: ['nope'] } } }).join()).toMatch(/unknown profile "nope"/);
    expect(problemsOf({ ...policyInput, profiles: { a: { includes: ['b'] }, b: { includes: ['a'] }, read: { privileges: ['SELECT'] }, write: { privileges: ['SELECT'] } } }).join()).toMatch(/cycle/);
    expect(problemsOf({ ...policyInput, profiles: { ...policyInput.profiles, empty: {} } }).join()).toMatch(/needs privileges or includes/);
    expect(problemsOf({ ...policyInput, environments: { ...policyInput.environments, dev: { defaultMinutes: 1, maxMinutes: 2, approvers: ['group:ghosts'] } } }).join()).toMatch(/unknown group "ghosts"/);
  });

  it('refuses self-approval being switched on, default above max, and too few approvers for the required count', () => {
    expect(problemsOf({ ...policyInput, selfApproval: true }).length).toBeGreaterThan(0);
    expect(problemsOf({ ...policyInput, environments: { ...policyInput.environments, dev: { defaultMinutes: 90, maxMinutes: 60, approvers: ['a@b.c'] } } }).join()).toMatch(/defaultMinutes must not exceed/);
    expect(problemsOf({ ...policyInput, environments: { ...policyInput.environments, dev: { defaultMinutes: 1, maxMinutes: 2, approvers: ['a@b.c'], approvalsRequired: 2 } } }).join()).toMatch(/needs 2 approvals/);
  });

  it('expands approver groups, lower-cased', () => {
    expect(approversOf(policy, 'prod').sort()).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com', 'u0bob']);
  });
});

describe('validating a new request', () => {
  it('fills the environment default duration and snapshots privileges and approvals required', () => {
    const r = validateNewRequest(policy, input(), dev);
    expect(r).toEqual({
      ok: true,
      value: expect.objectContaining({ durationMinutes: 60, environment: 'dev', privileges: ['SELECT', 'SHOW VIEW'], approvalsRequired: 1, requester: expect.objectContaining({ email: 'dave.smith+jit@example.com' }) }),
    });
  });

  it('lists every problem in words', () => {
    const r = validateNewRequest(policy, input({ clusterId: 'prod-main', profile: 'ddl', durationMinutes: 500 }), prod);
    expect(r).toEqual({ ok: false, problems: ['profile "ddl" is not allowed on prod clusters; allowed: read, write', 'duration 500 min exceeds the prod maximum of 120 min'] });
    expect(validateNewRequest(policy, input({ reason: 'too short' }), dev)).toEqual({ ok: false, problems: ['reason: the reason must be at least 10 characters'] });
    expect(validateNewRequest(policy, input(), undefined)).toMatchObject({ ok: false, problems: ['cluster "dev-main" is not known to the platform'] });
    expect(validateNewRequest(policy, input({ profile: 'admin' }), dev)).toMatchObject({ ok: false, problems: [expect.stringContaining('profile "admin" does not exist')] });
    expect(validateNewRequest(policy, input({ database: 'shop`; DROP' }), dev)).toMatchObject({ ok: false, problems: [expect.stringContaining('database')] });
    expect(validateNewRequest(policy, input({ ticketUrl: 'javascript:alert(1)' }), dev)).toMatchObject({ ok: false });
  });

  it('accepts an https ticket URL', () => {
    expect(validateNewRequest(policy, input({ ticketUrl: 'https://jira.example.com/browse/INC-42' }), dev)).toMatchObject({ ok: true });
  });

  it('refuses * and the system schemas unless the environment opens them to the profile (finding 2)', () => {
    for (const database of ['*', 'mysql', 'MySQL', 'sys', 'information_schema', 'performance_schema']) {
      const result = validateNewRequest(policy, input({ database, profile: 'read' }), dev);
      expect(result).toMatchObject({ ok: false, problems: [expect.stringContaining('is not open to profile "read" on dev clusters')] });
    }
    const opened = accessPolicySchema.parse({
      ...policyInput,
      environments: { ...policyInput.environments, dev: { ...policyInput.environments.dev, systemDatabases: { '*': ['read'], mysql: ['read'] } } },
    });
    expect(validateNewRequest(opened, input({ database: '*', profile: 'read' }), dev)).toMatchObject({ ok: true, value: { privileges: ['SELECT', 'SHOW VIEW'] } });
    expect(validateNewRequest(opened, input({ database: 'mysql', profile: 'write' }), dev)).toMatchObject({ ok: false });
    expect(validateNewRequest(opened, input({ database: 'sys', profile: 'read' }), dev)).toMatchObject({ ok: false });
  });

  it('refuses a policy that opens a system target to a profile that writes (finding 2)', () => {
    const result = accessPolicySchema.safeParse({
      ...policyInput,
      environments: { ...policyInput.environments, prod: { ...policyInput.environments.prod, systemDatabases: { mysql: ['write'], '*': ['nosuch'] } } },
    });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(messages).toEqual(
      expect.arrayContaining([
        'environments.prod.systemDatabases.mysql: profile "write" grants INSERT, UPDATE, DELETE; on mysql only SELECT, SHOW VIEW may be granted',
        'environments.prod.systemDatabases.*: unknown profile "nosuch"',
      ]),
    );
    expect(accessPolicySchema.safeParse({ ...policyInput, environments: { ...policyInput.environments, dev: { ...policyInput.environments.dev, systemDatabases: { mysqlx: ['read'] } } } }).success).toBe(false);
  });

  it('treats prototype names as unknown profiles, never as profiles without privileges (finding 3)', () => {
    for (const profile of ['constructor', '__proto__', 'toString', 'hasownproperty', 'valueof']) {
      const result = validateNewRequest(policy, input({ profile }), dev);
      expect(result.ok).toBe(false);
      expect(() => createAccessRequest(policy, input({ profile }), dev, T0)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
    }
    expect(profilePrivileges(policy, 'constructor')).toBeUndefined();
    expect(findProfile(policy, 'toString')).toBeUndefined();
    expect(approversOf(accessPolicySchema.parse({ ...policyInput, environments: { ...policyInput.environments, dev: { ...policyInput.environments.dev, approvers: ['alice@example.com'] } } }), 'dev')).toEqual(['alice@example.com']);
  });

  it('a profile really named constructor works like any other', () => {
    const odd = accessPolicySchema.parse({ ...policyInput, profiles: { ...policyInput.profiles, constructor: { privileges: ['SELECT'] } } });
    expect(validateNewRequest(odd, input({ profile: 'constructor' }), dev)).toMatchObject({ ok: true, value: { privileges: ['SELECT'] } });
    expect(accessPolicySchema.safeParse({ ...policyInput, environments: { ...policyInput.environments, dev: { ...policyInput.environments.dev, approvers: ['group:constructor'] } } }).success).toBe(false);
  });

  it('createAccessRequest throws REQUEST_INVALID and otherwise builds a requested request with a ULID and review deadline', () => {
    expect(() => createAccessRequest(policy, input({ reason: 'x' }), dev, T0)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', kind: 'invalid' }));
    const r = newRequest();
    expect(r.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(r).toMatchObject({ state: 'requested', version: 1, reviewExpiresAt: minutes(30).toISOString(), approvals: [], resources: {} });
  });
});

describe('deciding who may approve', () => {
  it('allows a listed approver, by e-mail or Slack id', () => {
    expect(canApprove(policy, newRequest(), alice)).toEqual({ allowed: true });
    expect(canApprove(policy, newRequest(), { slackUserId: 'U0BOB' })).toEqual({ allowed: true });
  });

  it('never lets the requester approve, even when they are an approver', () => {
    const r = createAccessRequest(policy, input({ requester: { email: 'alice@example.com', displayName: 'Alice' } }), dev, T0);
    expect(canApprove(policy, r, alice)).toEqual({ allowed: false, code: 'POLICY_SELF_APPROVAL', reason: expect.stringContaining('own request') });
    expect(canDeny(policy, r, alice)).toMatchObject({ allowed: false, code: 'POLICY_SELF_APPROVAL' });
  });

  it('refuses a non-approver for the environment', () => {
    expect(canApprove(policy, newRequest(), carol)).toEqual({ allowed: false, code: 'POLICY_NOT_APPROVER', reason: 'You are not an approver for dev clusters.' });
    expect(canDeny(policy, newRequest(), carol)).toMatchObject({ allowed: false, code: 'POLICY_NOT_APPROVER' });
    expect(canApprove(policy, newRequest('prod'), carol)).toEqual({ allowed: true });
    expect(canApprove(policy, newRequest(), {})).toMatchObject({ allowed: false, code: 'POLICY_UNKNOWN_APPROVER' });
  });

  it('refuses a second approval by the same person and approving a decided request', () => {
    const once = transition(newRequest('prod'), { type: 'approve', by: alice }, minutes(1));
    expect(canApprove(policy, once, { email: 'Alice@Example.com' })).toMatchObject({ allowed: false, code: 'POLICY_ALREADY_APPROVED' });
    expect(canApprove(policy, once, bob)).toEqual({ allowed: true });
    const approved = transition(once, { type: 'approve', by: bob }, minutes(2));
    expect(canApprove(policy, approved, carol)).toMatchObject({ allowed: false, code: 'POLICY_NOT_PENDING' });
  });

  it('allows approving a pending extension of an active grant', () => {
    let r = transition(newRequest(), { type: 'approve', by: alice }, minutes(1));
    r = transition(r, { type: 'start_provisioning' }, minutes(1));
    r = transition(r, { type: 'record_resources', resources: { dbUser: 'jit_dave_x' } }, minutes(1));
    r = transition(r, { type: 'activate' }, minutes(1));
    expect(canApprove(policy, r, alice)).toMatchObject({ allowed: false, code: 'POLICY_NOT_PENDING' });
    r = transition(r, { type: 'request_extension', by: dave, minutes: 30 }, minutes(2));
    expect(canApprove(policy, r, alice)).toEqual({ allowed: true });
  });
});

describe('extensions and warnings', () => {
  const active = () => {
    let r = transition(newRequest(), { type: 'approve', by: alice }, minutes(1));
    r = transition(r, { type: 'start_provisioning' }, minutes(1));
    r = transition(r, { type: 'record_resources', resources: { dbUser: 'jit_dave_x' } }, minutes(1));
    return transition(r, { type: 'activate' }, minutes(1));
  };

  it('keeps the total duration within the environment maximum', () => {
    expect(validateExtension(policy, active(), 420)).toEqual({ allowed: true });
    expect(validateExtension(policy, active(), 421)).toMatchObject({ allowed: false, code: 'EXTENSION_TOO_LONG', reason: expect.stringContaining('481 min in total') });
    expect(validateExtension(policy, newRequest(), 10)).toMatchObject({ allowed: false, code: 'EXTENSION_NOT_ACTIVE' });
    expect(validateExtension(policy, active(), 0)).toMatchObject({ allowed: false, code: 'EXTENSION_INVALID' });
  });

  it('warns warnBeforeMinutes before the end', () => {
    const r = active();
    expect(warnAt(policy, r)!.toISOString()).toBe(minutes(51).toISOString());
    expect(warnAt(policy, newRequest())).toBeUndefined();
  });

  it('DomainError carries code and kind for the HTTP error table', () => {
    const e = new DomainError('X', 'forbidden', 'no');
    expect(e).toMatchObject({ code: 'X', kind: 'forbidden', message: 'no', name: 'DomainError' });
  });
});

describe('a deployment marks its database users (finding 4)', () => {
  it('puts the deployment id in the user prefix, so no deployment takes another for orphans', () => {
    expect(forDeployment(policy, 'a').dbUser.prefix).toBe('jit_a_');
    expect(forDeployment(policy, 'ab').dbUser.prefix).toBe('jit_ab_');
    expect(forDeployment(policy, 'ab').profiles).toBe(policy.profiles);
    for (const bad of ['', 'A', '1a', 'a_b', 'a-b', 'abcdefghi', 'constructor']) {
      expect(() => forDeployment(policy, bad)).toThrow(expect.objectContaining({ code: 'DEPLOYMENT_ID_INVALID' }));
    }
    const longPrefix = accessPolicySchema.parse({ ...policyInput, dbUser: { prefix: 'platform' } });
    expect(forDeployment(longPrefix, 'prod1').dbUser.prefix).toBe('platformprod1_');
    expect(() => forDeployment(longPrefix, 'abcdefgh')).toThrow(expect.objectContaining({ code: 'DEPLOYMENT_ID_INVALID' }));
  });
});
