import { accessPolicySchema, createAccessRequest, type AccessPolicy, type AccessRequest, type Environment } from '../src';

export const T0 = new Date('2026-11-25T10:00:00.000Z');
export const minutes = (n: number, from = T0) => new Date(from.getTime() + n * 60_000);

export const policyInput = {
  profiles: {
    read: { description: 'read only', privileges: ['select', 'SHOW  VIEW'] },
    write: { includes: ['read'], privileges: ['INSERT', 'UPDATE', 'DELETE'] },
    ddl: { includes: ['write'], privileges: ['CREATE', 'ALTER', 'INDEX', 'DROP'] },
  },
  groups: { dbre: ['alice@example.com', 'bob@example.com', 'U0BOB'], leads: ['carol@example.com'] },
  environments: {
    dev: { defaultMinutes: 60, maxMinutes: 480, approvers: ['group:dbre'] },
    stg: { defaultMinutes: 60, maxMinutes: 240, approvers: ['group:dbre', 'group:leads'] },
    prod: { defaultMinutes: 30, maxMinutes: 120, approvers: ['group:dbre', 'carol@example.com'], approvalsRequired: 2, profiles: ['read', 'write'] },
  },
  reviewExpiryMinutes: 30,
};

export const policy: AccessPolicy = accessPolicySchema.parse(policyInput);

export const dave = { email: 'Dave.Smith+jit@Example.com', displayName: 'Dave Smith', slackUserId: 'U0DAVE' };
export const alice = { email: 'alice@example.com' };
export const bob = { email: 'bob@example.com', slackUserId: 'U0BOB' };
export const carol = { email: 'carol@example.com' };

export function newRequest(env: Environment = 'dev', overrides: Record<string, unknown> = {}): AccessRequest {
  return createAccessRequest(
    policy,
    { requester: dave, clusterId: `${env}-main`, database: 'shop', profile: 'read', reason: 'investigate INC-42 slow orders', ...overrides },
    { id: `${env}-main`, environment: env },
    T0,
  );
}
