import { accessPolicySchema, canApprove, canDeny, createAccessRequest, isApprover, transition, validateExtension, validateNewRequest, type AccessPolicy, type AccessRequest, type RequestEvent } from '../src';
import { alice, bob, carol, dave, minutes, newRequest, policy, policyInput, T0 } from './fixtures';

// The answers a requester and an approver read (Slack, API): each refusal's code and exact words,
// and the boundaries of durations and schedules. Expectations written by hand from the fixture policy:
// dev max 480 min (default 60), prod max 120 (default 30, two approvals, profiles read and write).

const dev = { id: 'dev-main', environment: 'dev' as const };
const input = (over: Record<string, unknown> = {}) => ({ requester: dave, clusterId: 'dev-main', database: 'shop', profile: 'read', reason: 'investigate INC-42 slow orders', ...over });
const at = { now: T0, minuteMs: 60_000 };
const go = (r: AccessRequest, e: RequestEvent, m: number) => transition(r, e, minutes(m));
const activeDev = (durationMinutes = 60) => {
  let r = go(newRequest('dev', { durationMinutes }), { type: 'approve', by: alice }, 1);
  r = go(r, { type: 'start_provisioning' }, 1);
  r = go(r, { type: 'record_resources', resources: { dbUser: 'jit_dave_smith_abcde' } }, 1);
  return go(r, { type: 'activate' }, 2);
};

describe('a new request is checked and every problem named', () => {
  it('a body that is not an object is named as the request', () => {
    expect(validateNewRequest(policy, null, dev, at)).toEqual({ ok: false, problems: [expect.stringMatching(/^request: /)] });
  });

  it('names each field in error by its path', () => {
    const r = validateNewRequest(policy, input({ requester: { email: 'not-an-email', displayName: 'D' } }), dev, at);
    expect(r).toEqual({ ok: false, problems: [expect.stringMatching(/^requester\.email: /)] });
  });

  it('a cluster the inventory knows under another id is refused', () => {
    expect(validateNewRequest(policy, input(), { id: 'dev-other', environment: 'dev' }, at)).toEqual({
      ok: false,
      problems: ['cluster "dev-main" does not match the inventory entry "dev-other"'],
    });
  });

  it('an unknown cluster and an unknown profile are both named, with the profiles one may choose', () => {
    expect(validateNewRequest(policy, input({ profile: 'admin' }), undefined, at)).toEqual({
      ok: false,
      problems: ['cluster "dev-main" is not known to the platform', 'profile "admin" does not exist; choose one of: read, write, ddl'],
    });
  });

  it('says whether every database or a system schema was refused', () => {
    expect(validateNewRequest(policy, input({ database: '*' }), dev, at)).toEqual({
      ok: false,
      problems: ['every database (*) is not open to profile "read" on dev clusters; ask for an application database'],
    });
    expect(validateNewRequest(policy, input({ database: 'Sys' }), dev, at)).toEqual({
      ok: false,
      problems: ['the system schema "Sys" is not open to profile "read" on dev clusters; ask for an application database'],
    });
  });

  it('never opens a system target to a profile that writes, even in a policy object built around the schema', () => {
    const parsed = accessPolicySchema.parse({ ...policyInput, environments: { ...policyInput.environments, dev: { ...policyInput.environments.dev, systemDatabases: { mysql: ['read'] } } } });
    const tampered: AccessPolicy = { ...parsed, profiles: { ...parsed.profiles, read: { name: 'read', privileges: ['SELECT', 'INSERT'] } } };
    expect(validateNewRequest(tampered, input({ database: 'mysql' }), dev, at)).toEqual({
      ok: false,
      problems: ['profile "read" grants more than SELECT, SHOW VIEW, which is all a system target may get'],
    });
    expect(validateNewRequest(parsed, input({ database: 'mysql' }), dev, at)).toMatchObject({ ok: true, value: { database: 'mysql', privileges: ['SELECT', 'SHOW VIEW'] } });
  });

  it('takes exactly the environment maximum, and refuses a minute more', () => {
    expect(validateNewRequest(policy, input({ durationMinutes: 480 }), dev, at)).toMatchObject({ ok: true, value: { durationMinutes: 480 } });
    expect(validateNewRequest(policy, input({ durationMinutes: 481 }), dev, at)).toEqual({ ok: false, problems: ['duration 481 min exceeds the dev maximum of 480 min'] });
  });

  it('takes a start right now and keeps it, in UTC', () => {
    expect(validateNewRequest(policy, input({ startAt: '2026-11-25T11:00:00+01:00' }), dev, at)).toMatchObject({ ok: true, value: { startAt: '2026-11-25T10:00:00.000Z' } });
    expect(validateNewRequest(policy, input({ startAt: '2026-11-25T09:59:59.999Z' }), dev, at)).toMatchObject({ ok: false });
  });

  it('reads the schedule limit in the request time unit', () => {
    // 10080 policy minutes of one second each: a start 3 h ahead is too far.
    expect(validateNewRequest(policy, input({ startAt: '2026-11-25T12:48:00Z' }), dev, { now: T0, minuteMs: 1000 })).toMatchObject({ ok: true });
    expect(validateNewRequest(policy, input({ startAt: '2026-11-25T12:48:01Z' }), dev, { now: T0, minuteMs: 1000 })).toEqual({
      ok: false,
      problems: ['startAt 2026-11-25T12:48:01Z is more than 10080 min ahead (the policy maximum); ask closer to the time'],
    });
  });

  it('a valid request carries everything the grant needs, and no ticket or start when none was given', () => {
    expect(validateNewRequest(policy, input({ ticketUrl: 'https://jira.example.com/browse/INC-42', durationMinutes: 45 }), dev, at)).toEqual({
      ok: true,
      value: {
        requester: { email: 'dave.smith+jit@example.com', displayName: 'Dave Smith', slackUserId: 'U0DAVE' },
        clusterId: 'dev-main',
        database: 'shop',
        environment: 'dev',
        profile: 'read',
        privileges: ['SELECT', 'SHOW VIEW'],
        durationMinutes: 45,
        reason: 'investigate INC-42 slow orders',
        ticketUrl: 'https://jira.example.com/browse/INC-42',
        approvalsRequired: 1,
      },
    });
    const plain = validateNewRequest(policy, input(), dev, at);
    expect(plain.ok && Object.keys(plain.value)).toEqual(['requester', 'clusterId', 'database', 'environment', 'profile', 'privileges', 'durationMinutes', 'reason', 'approvalsRequired']);
  });
});

describe('creating a request', () => {
  it('refuses with every problem on its own line, and lists them in the details', () => {
    expect(() => createAccessRequest(policy, input({ profile: 'admin' }), undefined, T0)).toThrow(
      expect.objectContaining({
        code: 'REQUEST_INVALID',
        kind: 'invalid',
        message: 'The request cannot be accepted:\n- cluster "dev-main" is not known to the platform\n- profile "admin" does not exist; choose one of: read, write, ddl',
        details: { problems: ['cluster "dev-main" is not known to the platform', 'profile "admin" does not exist; choose one of: read, write, ddl'] },
      }),
    );
  });

  it('keeps the given id, the ticket and the scheduled start, which is also the review deadline', () => {
    const r = createAccessRequest(policy, input({ ticketUrl: 'https://jira.example.com/browse/INC-42', startAt: '2026-11-25T12:00:00Z' }), dev, T0, '01JD3M4Z7Q8R9S0T1V2W3X4Y5Z');
    expect(r).toEqual({
      id: '01JD3M4Z7Q8R9S0T1V2W3X4Y5Z',
      requester: { email: 'dave.smith+jit@example.com', displayName: 'Dave Smith', slackUserId: 'U0DAVE' },
      target: { clusterId: 'dev-main', database: 'shop', environment: 'dev' },
      profile: 'read',
      privileges: ['SELECT', 'SHOW VIEW'],
      durationMinutes: 60,
      reason: 'investigate INC-42 slow orders',
      ticketUrl: 'https://jira.example.com/browse/INC-42',
      startAt: '2026-11-25T12:00:00.000Z',
      approvalsRequired: 1,
      approvals: [],
      extensions: [],
      requestedAt: T0.toISOString(),
      reviewExpiresAt: '2026-11-25T12:00:00.000Z',
      resources: {},
      state: 'requested',
      version: 1,
      updatedAt: T0.toISOString(),
    });
  });

  it('without an id, makes a ULID whose time part is the creation time', () => {
    // 2026-11-25T10:00:00Z = 1795600800000 ms = Crockford base32 "01M892BP80".
    expect(createAccessRequest(policy, input(), dev, T0).id.slice(0, 10)).toBe('01M892BP80');
  });
});

describe('who is an approver', () => {
  it('matches an e-mail or a Slack id in any case', () => {
    expect(isApprover(policy, 'dev', { email: 'ALICE@EXAMPLE.COM' })).toBe(true);
    expect(isApprover(policy, 'dev', { slackUserId: 'U0BOB' })).toBe(true);
    expect(isApprover(policy, 'dev', { email: 'carol@example.com', slackUserId: 'U0CAROL' })).toBe(false);
    expect(isApprover(policy, 'dev', { displayName: 'Alice' })).toBe(false);
    expect(isApprover(policy, 'stg', carol)).toBe(true);
  });
});

describe('the words an approver reads', () => {
  it('when the request is no longer waiting', () => {
    const r = go(newRequest(), { type: 'cancel', by: dave }, 1);
    expect(canApprove(policy, r, alice)).toEqual({ allowed: false, code: 'POLICY_NOT_PENDING', reason: `Request ${r.id} is cancelled; there is nothing to approve.` });
  });

  it('when they approved the request already', () => {
    const r = go(newRequest('prod'), { type: 'approve', by: alice }, 1);
    expect(canApprove(policy, r, { slackUserId: 'U0X', email: 'alice@example.com' })).toEqual({
      allowed: false,
      code: 'POLICY_ALREADY_APPROVED',
      reason: 'You have already approved this request; it needs another approver.',
    });
  });

  it('when they approved the extension already (approvals of the request itself do not count)', () => {
    let r = newRequest('prod');
    r = go(r, { type: 'approve', by: alice }, 1);
    r = go(r, { type: 'approve', by: bob }, 1);
    r = go(r, { type: 'start_provisioning' }, 1);
    r = go(r, { type: 'record_resources', resources: { dbUser: 'jit_dave_smith_abcde' } }, 1);
    r = go(r, { type: 'activate' }, 2);
    r = go(r, { type: 'request_extension', by: dave, minutes: 10 }, 3);
    expect(canApprove(policy, r, alice)).toEqual({ allowed: true });
    r = go(r, { type: 'approve', by: carol }, 4);
    expect(canApprove(policy, r, carol)).toEqual({
      allowed: false,
      code: 'POLICY_ALREADY_APPROVED',
      reason: 'You have already approved this extension; it needs another approver.',
    });
  });

  it('when the approver cannot be identified', () => {
    expect(canApprove(policy, newRequest(), { displayName: 'Someone' })).toEqual({ allowed: false, code: 'POLICY_UNKNOWN_APPROVER', reason: 'The approver could not be identified.' });
    expect(canApprove(policy, newRequest(), { slackUserId: 'U0BOB' })).toEqual({ allowed: true });
  });

  it('denying: allowed for an approver, refused with words to the requester and to others', () => {
    expect(canDeny(policy, newRequest(), bob)).toEqual({ allowed: true });
    expect(canDeny(policy, newRequest(), { slackUserId: 'U0DAVE' })).toEqual({ allowed: false, code: 'POLICY_SELF_APPROVAL', reason: 'You cannot decide on your own request; cancel it instead.' });
    expect(canDeny(policy, newRequest('stg'), { email: 'mallory@example.com' })).toEqual({ allowed: false, code: 'POLICY_NOT_APPROVER', reason: 'You are not an approver for stg clusters.' });
  });
});

describe('an extension is checked against the environment maximum', () => {
  it('counts the granted extensions too', () => {
    let r = activeDev(60);
    r = go(r, { type: 'request_extension', by: dave, minutes: 100 }, 3);
    r = go(r, { type: 'approve', by: alice }, 3);
    // 60 + 100 granted: 320 more reach the dev maximum of 480 exactly.
    expect(validateExtension(policy, r, 320)).toEqual({ allowed: true });
    expect(validateExtension(policy, r, 321)).toEqual({
      allowed: false,
      code: 'EXTENSION_TOO_LONG',
      reason: 'Extending by 321 min would make 481 min in total, over the dev maximum of 480 min.',
    });
  });

  it('refuses what is not a positive whole number of minutes, and a grant that is not active, in words', () => {
    for (const m of [-1, 1.5, Number.NaN]) {
      expect(validateExtension(policy, activeDev(), m)).toEqual({ allowed: false, code: 'EXTENSION_INVALID', reason: 'The extension must be a positive number of minutes.' });
    }
    expect(validateExtension(policy, activeDev(), 1)).toEqual({ allowed: true });
    expect(validateExtension(policy, newRequest(), 10)).toEqual({ allowed: false, code: 'EXTENSION_NOT_ACTIVE', reason: 'Only an active grant can be extended; this one is requested.' });
  });
});
