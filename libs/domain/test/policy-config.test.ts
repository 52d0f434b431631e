import { accessPolicySchema, allowsSystemDatabase, approversOf, environmentPolicy, findProfile, forDeployment, profilePrivileges, systemDatabaseOf } from '../src';
import { policyInput } from './fixtures';

// What a platform operator writing the `access:` section relies on: which entries are taken, which
// are refused and with which words. Every expectation below is written by hand from the policy's
// documentation (docs/access-libs.md), not read back from the schema.

const problemsOf = (p: unknown): string[] => {
  const r = accessPolicySchema.safeParse(p);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const withDev = (dev: Record<string, unknown>) => ({ ...policyInput, environments: { ...policyInput.environments, dev: { ...policyInput.environments.dev, ...dev } } });

describe('privilege names in a profile', () => {
  it('are taken whatever their case, surrounding blanks or inner runs of white space', () => {
    const p = accessPolicySchema.parse({
      ...policyInput,
      profiles: { ...policyInput.profiles, ops: { privileges: ['  select ', 'show\tview', 'Create   Temporary\nTables', 'lock tables'] } },
    });
    expect(p.profiles['ops']!.privileges).toEqual(['SELECT', 'SHOW VIEW', 'LOCK TABLES', 'CREATE TEMPORARY TABLES']);
  });

  it('a run of blanks is never dropped: SHOWVIEW is no privilege', () => {
    expect(problemsOf({ ...policyInput, profiles: { ...policyInput.profiles, ops: { privileges: ['SHOWVIEW'] } } })).toEqual([
      expect.stringMatching(/^profiles\.ops\.privileges\.0: not a grantable privilege; allowed: SELECT, SHOW VIEW, /),
    ]);
  });
});

describe('approver entries', () => {
  it('take an e-mail, a Slack user or workspace id and a group', () => {
    const p = accessPolicySchema.parse(withDev({ approvers: ['Alice@Example.com', 'U0ALICE', 'W12', 'group:leads'] }));
    expect(approversOf(p, 'dev').sort()).toEqual(['alice@example.com', 'carol@example.com', 'u0alice', 'w12']);
  });

  it.each([
    ['alice', 'not an e-mail, id or group'],
    ['alice@', 'no domain'],
    ['@example.com', 'no local part'],
    ['a b@example.com', 'a blank in the local part'],
    ['alice@exa mple.com', 'a blank in the domain'],
    ['alice@@example.com', 'two @'],
    ['x alice@example.com y', 'words around an e-mail'],
    ['U1', 'a Slack id too short'],
    ['U' + 'A'.repeat(21), 'a Slack id too long'],
    ['u0alice', 'a lower-case Slack id'],
    ['X0ALICE', 'a Slack id of another kind'],
    ['U0AL-CE', 'a Slack id with a dash'],
    ['xU0ALICE', 'a Slack id inside a word'],
    ['group:', 'a group without a name'],
    ['group:Leads', 'an upper-case group'],
    ['group:le ads', 'a group with a blank'],
    ['my group:leads', 'a group inside other words'],
    ['', 'nothing'],
  ])('refuse %j (%s)', (entry) => {
    expect(problemsOf(withDev({ approvers: [entry] }))).toContainEqual(expect.stringMatching(/^environments\.dev\.approvers\.0: /));
  });

  it('say what an entry must be', () => {
    expect(problemsOf(withDev({ approvers: ['alice'] }))).toEqual(['environments.dev.approvers.0: an e-mail, a Slack user id (U...) or group:<name>']);
  });

  it('expand groups to their members, lower-cased, each person once', () => {
    const p = accessPolicySchema.parse({
      ...withDev({ approvers: ['group:dbre', 'ALICE@example.com', 'group:more'] }),
      groups: { ...policyInput.groups, more: ['Bob@Example.com', 'dan@example.com'] },
    });
    expect(approversOf(p, 'dev').sort()).toEqual(['alice@example.com', 'bob@example.com', 'dan@example.com', 'u0bob']);
  });
});

describe('approvals required against the approvers listed', () => {
  it('accepts exactly as many distinct approvers as approvals required', () => {
    expect(problemsOf(withDev({ approvers: ['a@example.com', 'b@example.com'], approvalsRequired: 2 }))).toEqual([]);
  });

  it('counts an approver written twice, in another case, once', () => {
    expect(problemsOf(withDev({ approvers: ['a@example.com', 'A@Example.com'], approvalsRequired: 2 }))).toEqual([
      'environments.dev.approvalsRequired: needs 2 approvals but fewer approvers are listed',
    ]);
  });

  it('counts the members of the groups listed', () => {
    expect(problemsOf({ ...withDev({ approvers: ['group:pair'], approvalsRequired: 2 }), groups: { ...policyInput.groups, pair: ['a@example.com', 'b@example.com'] } })).toEqual([]);
    expect(problemsOf({ ...withDev({ approvers: ['group:pair'], approvalsRequired: 3 }), groups: { ...policyInput.groups, pair: ['a@example.com', 'b@example.com'] } })).toEqual([
      'environments.dev.approvalsRequired: needs 3 approvals but fewer approvers are listed',
    ]);
  });

  it('names the unknown group and the environment it is listed in', () => {
    expect(problemsOf({ ...policyInput, environments: { ...policyInput.environments, stg: { ...policyInput.environments.stg, approvers: ['group:ghosts', 'a@example.com'] } } })).toEqual([
      'environments.stg.approvers: unknown group "ghosts"',
    ]);
  });

  it('an unknown group counts no approver toward the approvals required', () => {
    expect(problemsOf(withDev({ approvers: ['group:ghosts', 'a@example.com'], approvalsRequired: 2 }))).toEqual([
      'environments.dev.approvers: unknown group "ghosts"',
      'environments.dev.approvalsRequired: needs 2 approvals but fewer approvers are listed',
    ]);
  });

  it('does not take a prototype name for a group', () => {
    expect(problemsOf(withDev({ approvers: ['group:constructor', 'a@example.com'] }))).toEqual(['environments.dev.approvers: unknown group "constructor"']);
  });
});

describe('durations of an environment', () => {
  it('a default equal to the maximum is accepted, one above it is refused', () => {
    expect(problemsOf(withDev({ defaultMinutes: 480, maxMinutes: 480 }))).toEqual([]);
    expect(problemsOf(withDev({ defaultMinutes: 481, maxMinutes: 480 }))).toEqual(['environments.dev: defaultMinutes must not exceed maxMinutes']);
  });
});

describe('profiles and their includes', () => {
  it('a policy needs at least one profile', () => {
    expect(problemsOf({ ...policyInput, profiles: {}, environments: { ...policyInput.environments, prod: { ...policyInput.environments.prod, profiles: undefined } } })).toEqual([
      'profiles: define at least one profile',
    ]);
  });

  it('a profile made only of includes is a profile', () => {
    const p = accessPolicySchema.parse({ ...policyInput, profiles: { ...policyInput.profiles, reader: { includes: ['read'] } } });
    expect(profilePrivileges(p, 'reader')).toEqual(['SELECT', 'SHOW VIEW']);
  });

  it('names the profile that includes an unknown one', () => {
    expect(problemsOf({ ...policyInput, profiles: { ...policyInput.profiles, ops: { includes: ['read', 'nope'] } } })).toEqual(['profiles.ops.includes: unknown profile "nope"']);
  });

  it('a profile including itself, or a longer loop, is a cycle named on each profile in it', () => {
    expect(problemsOf({ ...policyInput, profiles: { ...policyInput.profiles, me: { includes: ['me'] } } })).toEqual(['profiles.me.includes: includes form a cycle']);
    expect(
      problemsOf({ ...policyInput, profiles: { ...policyInput.profiles, a: { includes: ['b'] }, b: { includes: ['c'] }, c: { includes: ['a'], privileges: ['SELECT'] } } }),
    ).toEqual(['profiles.a.includes: includes form a cycle', 'profiles.b.includes: includes form a cycle', 'profiles.c.includes: includes form a cycle']);
  });

  it('a profile reaching another one by two ways is no cycle, and gets its privileges once', () => {
    const diamond = {
      ...policyInput,
      profiles: {
        ...policyInput.profiles,
        left: { includes: ['read'], privileges: ['INSERT'] },
        right: { includes: ['read'], privileges: ['UPDATE'] },
        both: { includes: ['left', 'right'] },
      },
    };
    expect(problemsOf(diamond)).toEqual([]);
    expect(profilePrivileges(accessPolicySchema.parse(diamond), 'both')).toEqual(['SELECT', 'SHOW VIEW', 'INSERT', 'UPDATE']);
  });

  it('a profile that includes a loop is refused too (its privileges could never be resolved)', () => {
    const profiles = { ...policyInput.profiles, entry: { includes: ['read', 'a'] }, a: { includes: ['b'] }, b: { includes: ['a'] } };
    expect(problemsOf({ ...policyInput, profiles })).toEqual(['profiles.entry.includes: includes form a cycle', 'profiles.a.includes: includes form a cycle', 'profiles.b.includes: includes form a cycle']);
  });

  it('keeps the description of a profile that has one, and adds none to a profile without', () => {
    const p = accessPolicySchema.parse(policyInput);
    expect(findProfile(p, 'read')).toEqual({ name: 'read', description: 'read only', privileges: ['SELECT', 'SHOW VIEW'] });
    expect(findProfile(p, 'write')).toEqual({ name: 'write', privileges: ['SELECT', 'SHOW VIEW', 'INSERT', 'UPDATE', 'DELETE'] });
    expect(Object.keys(findProfile(p, 'write')!)).not.toContain('description');
  });
});

describe('system targets in the policy', () => {
  it('knows * and the system schemas in any case, and nothing else', () => {
    expect(systemDatabaseOf('Information_Schema')).toBe('information_schema');
    expect(systemDatabaseOf('*')).toBe('*');
    expect(systemDatabaseOf('SYS')).toBe('sys');
    expect(systemDatabaseOf('shop')).toBeUndefined();
    expect(systemDatabaseOf('mysqlx')).toBeUndefined();
  });

  it('opens a target only to the profiles listed for it, in that environment', () => {
    const p = accessPolicySchema.parse(withDev({ systemDatabases: { mysql: ['read'] } }));
    expect(allowsSystemDatabase(p, 'dev', 'mysql', 'read')).toBe(true);
    expect(allowsSystemDatabase(p, 'dev', 'sys', 'read')).toBe(false);
    expect(allowsSystemDatabase(p, 'stg', 'mysql', 'read')).toBe(false);
    expect(allowsSystemDatabase(p, 'dev', 'mysql', 'write')).toBe(false);
  });

  it('refuses a profile that writes through an include, naming each privilege beyond reading', () => {
    const profiles = { ...policyInput.profiles, sneaky: { includes: ['read', 'write'] } };
    expect(problemsOf({ ...withDev({ systemDatabases: { sys: ['sneaky'] } }), profiles })).toEqual([
      'environments.dev.systemDatabases.sys: profile "sneaky" grants INSERT, UPDATE, DELETE; on sys only SELECT, SHOW VIEW may be granted',
    ]);
  });

  it('reports a looping or half-known profile listed for a system target instead of failing to parse', () => {
    const loop = { ...policyInput.profiles, a: { includes: ['b'], privileges: ['SELECT'] }, b: { includes: ['a'] } };
    expect(problemsOf({ ...withDev({ systemDatabases: { '*': ['a'] } }), profiles: loop })).toEqual(['profiles.a.includes: includes form a cycle', 'profiles.b.includes: includes form a cycle']);
    const halfKnown = { ...policyInput.profiles, odd: { includes: ['read', 'constructor', 'tostring'] } };
    expect(problemsOf({ ...withDev({ systemDatabases: { mysql: ['odd'] } }), profiles: halfKnown })).toEqual([
      'profiles.odd.includes: unknown profile "constructor"',
      'profiles.odd.includes: unknown profile "tostring"',
    ]);
  });

  it('names a profile unknown in an environment list', () => {
    expect(problemsOf({ ...policyInput, environments: { ...policyInput.environments, prod: { ...policyInput.environments.prod, profiles: ['read', 'reader'] } } })).toEqual([
      'environments.prod.profiles: unknown profile "reader"',
    ]);
  });
});

describe('an environment policy', () => {
  it('is the section written for that environment, with its defaults filled', () => {
    const p = accessPolicySchema.parse(policyInput);
    expect(environmentPolicy(p, 'stg')).toEqual({ defaultMinutes: 60, maxMinutes: 240, approvers: ['group:dbre', 'group:leads'], approvalsRequired: 1, systemDatabases: {} });
    expect(environmentPolicy(p, 'prod')).toMatchObject({ defaultMinutes: 30, maxMinutes: 120, approvalsRequired: 2, profiles: ['read', 'write'] });
  });
});

describe('a deployment prefix', () => {
  it('of exactly 16 characters is accepted; one more is refused with the prefix named', () => {
    const p = accessPolicySchema.parse({ ...policyInput, dbUser: { prefix: 'platform' } });
    expect(forDeployment(p, 'abcdefg').dbUser.prefix).toBe('platformabcdefg_');
    expect(() => forDeployment(p, 'abcdefgh')).toThrow(
      expect.objectContaining({
        code: 'DEPLOYMENT_ID_INVALID',
        kind: 'invalid',
        message: 'The user prefix "platformabcdefgh_" (policy prefix + deployment id + _) is longer than 16 characters; shorten either.',
      }),
    );
  });

  it('refuses an id that is not 1-8 of [a-z0-9] starting with a letter, quoting it', () => {
    const p = accessPolicySchema.parse(policyInput);
    expect(() => forDeployment(p, 'Prod')).toThrow(
      expect.objectContaining({ code: 'DEPLOYMENT_ID_INVALID', kind: 'invalid', message: 'The deployment id "Prod" must be 1-8 of [a-z0-9], starting with a letter.' }),
    );
    expect(() => forDeployment(p, 'x prod')).toThrow(expect.objectContaining({ code: 'DEPLOYMENT_ID_INVALID' }));
    expect(() => forDeployment(p, 'prod x')).toThrow(expect.objectContaining({ code: 'DEPLOYMENT_ID_INVALID' }));
    expect(forDeployment(p, 'a1234567').dbUser).toEqual({ prefix: 'jit_a1234567_', maxLength: { 'aurora-mysql': 32, mysql: 32, mariadb: 80 } });
  });
});

describe('an empty profile', () => {
  it('is named, with what it lacks', () => {
    expect(problemsOf({ ...policyInput, profiles: { ...policyInput.profiles, empty: { description: 'nothing yet' } } })).toEqual(['profiles.empty: a profile needs privileges or includes']);
  });
});
