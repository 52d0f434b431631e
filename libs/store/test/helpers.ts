import { randomBytes } from 'node:crypto';
import { accessPolicySchema, createAccessRequest, type AccessRequest } from '@dbre/domain';
import { createDynamo, ensureTables, startEmbeddedDynalite, type Dynamo } from '../src';

// The store's own tests start dynalite directly (@dbre/testing depends on this lib).
export async function startDynamo(): Promise<{ dynamo: Dynamo; endpoint: string; close: () => Promise<void> }> {
  const server = await startEmbeddedDynalite({ port: 0 });
  const dynamo = createDynamo({ endpoint: server.endpoint, region: 'us-east-1', tablePrefix: `t_${randomBytes(4).toString('hex')}-` });
  await ensureTables(dynamo);
  return {
    dynamo,
    endpoint: server.endpoint,
    close: async () => {
      dynamo.close();
      await server.close();
    },
  };
}

export const policy = accessPolicySchema.parse({
  profiles: { read: { privileges: ['SELECT'] } },
  groups: { dbre: ['alice@example.com', 'bob@example.com', 'carol@example.com'] },
  environments: {
    dev: { defaultMinutes: 60, maxMinutes: 480, approvers: ['group:dbre'] },
    stg: { defaultMinutes: 60, maxMinutes: 480, approvers: ['group:dbre'] },
    prod: { defaultMinutes: 30, maxMinutes: 120, approvers: ['group:dbre'], approvalsRequired: 2 },
  },
});

export function newRequest(now: Date, email = 'dave@example.com', env: 'dev' | 'prod' = 'dev'): AccessRequest {
  return createAccessRequest(
    policy,
    { requester: { email, displayName: 'Dave' }, clusterId: 'main', database: 'shop', profile: 'read', reason: 'investigate slow orders' },
    { id: 'main', environment: env },
    now,
  );
}
