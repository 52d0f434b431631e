import fc from 'fast-check';
import { accessPolicySchema, createAccessRequest, dbUserName, DomainError, forDeployment, isReservedUserName, parseAccessRequest, systemDatabaseOf } from '../src';
import { policyInput, T0 } from './fixtures';

// Property-based (issue 13, item 5): whatever a requester types as database or profile, the
// domain either refuses it with a typed error or builds a request that reads back from storage
// and asks for exactly the profile's privileges on exactly that database.

const opened = accessPolicySchema.parse({
  ...policyInput,
  profiles: { ...policyInput.profiles, constructor: { privileges: ['SELECT'] } },
  environments: { ...policyInput.environments, dev: { ...policyInput.environments.dev, systemDatabases: { '*': ['read'], performance_schema: ['read'] } } },
});
const dev = { id: 'dev-main', environment: 'dev' as const };
const requester = { email: 'dave@example.com', displayName: 'Dave' };

const nasty = ['constructor', '__proto__', 'toString', 'prototype', 'hasOwnProperty', 'valueOf', '*', '_', '__', '%', 'demo_sho_', 'mysql', 'MYSQL', 'sys', 'information_schema', 'Performance_Schema', 'a`b', "a'b", 'a\\b', 'a b', ''];
const identifierish = fc.oneof(
  fc.constantFrom(...nasty),
  fc.string({ maxLength: 70 }),
  fc.stringMatching(/^[A-Za-z0-9_$%*-]{1,66}$/),
  fc.constantFrom('read', 'write', 'ddl', 'shop', 'demo_shop'),
);
const PRIVILEGES: Record<string, string[]> = { read: ['SELECT', 'SHOW VIEW'], write: ['SELECT', 'SHOW VIEW', 'INSERT', 'UPDATE', 'DELETE'], constructor: ['SELECT'] };

describe('new requests, for any database and profile name', () => {
  it('are refused with REQUEST_INVALID or stored as exactly what the policy allows', () => {
    fc.assert(
      fc.property(identifierish, identifierish, (database, profile) => {
        let created;
        try {
          created = createAccessRequest(opened, { requester, clusterId: 'dev-main', database, profile, reason: 'investigate INC-42 slow orders' }, dev, T0);
        } catch (err) {
          expect(err).toBeInstanceOf(DomainError);
          expect((err as DomainError).code).toBe('REQUEST_INVALID');
          return;
        }
        // Never a record that later fails to read.
        const stored = parseAccessRequest(JSON.parse(JSON.stringify(created)));
        expect(stored.target.database).toBe(database);
        expect(stored.profile).toBe(profile);
        if (profile !== 'ddl') expect(stored.privileges).toEqual(PRIVILEGES[profile]);
        expect(stored.privileges.length).toBeGreaterThan(0);
        const system = systemDatabaseOf(database);
        if (system) {
          expect(['*', 'performance_schema']).toContain(system);
          expect(profile).toBe('read');
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('database user names, for any e-mail, suffix, limit and deployment', () => {
  it('are refused with a DomainError or are plain, prefixed, within the limit and not reserved', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.emailAddress(), fc.string({ maxLength: 80 })),
        fc.oneof(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.string({ maxLength: 14 })),
        fc.integer({ min: -5, max: 100 }),
        fc.oneof(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), fc.constantFrom(...nasty), fc.string({ maxLength: 10 })),
        (email, suffix, limit, deployment) => {
          let name: string;
          let prefix: string;
          try {
            prefix = forDeployment(opened, deployment).dbUser.prefix;
            name = dbUserName(email, suffix, limit, [], prefix);
          } catch (err) {
            expect(err).toBeInstanceOf(DomainError);
            return;
          }
          expect(name).toMatch(/^[a-z0-9_]+$/);
          expect(name.startsWith(prefix)).toBe(true);
          expect(name.length).toBeLessThanOrEqual(limit);
          expect(isReservedUserName(name)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
