import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GENESIS_HASH, hashAuditEvent } from '@dbre/domain';
import { createAuditLog, createDynamo, createRequestRepository, tableName, type AuditLog, type Dynamo } from '../src';
import { newRequest, startDynamo } from './helpers';

// The audit log's edges: its clock, what an event holds, contention on both kinds of chain, and a
// request head that no longer matches its chain.

const T0 = new Date('2026-11-25T10:00:00.000Z');
let env: { dynamo: Dynamo; endpoint: string; close: () => Promise<void> };
let audit: AuditLog;
const extraClients: Dynamo[] = [];
let n = 0;
const chainId = () => `admin-log-${++n}-${Date.now()}`;
beforeAll(async () => {
  env = await startDynamo();
  audit = createAuditLog({ dynamo: env.dynamo, clock: () => T0 });
});
afterAll(async () => {
  for (const d of extraClients) d.close();
  await env.close();
});

/** A client of the same dynalite whose `command` always loses its conditional check. */
function contended(command: string): Dynamo {
  const d = createDynamo({ endpoint: env.endpoint, region: 'us-east-1', tablePrefix: env.dynamo.tablePrefix });
  extraClients.push(d);
  d.doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      return next(args);
    },
    { step: 'initialize', name: 'contended' },
  );
  return d;
}

describe('what an appended event holds', () => {
  it('stamps the clock unless the input carries its own time; actor only when given; data as stored', async () => {
    const id = chainId();
    const first = await audit.append(id, { key: 'opened', kind: 'note' });
    expect(first).toEqual({ requestId: id, seq: 1, key: 'opened', kind: 'note', at: T0.toISOString(), data: {}, prevHash: GENESIS_HASH, hash: first.hash });
    expect(first).not.toHaveProperty('actor');
    expect(hashAuditEvent(first)).toBe(first.hash);
    const second = await audit.append(id, { key: 'edited', kind: 'note', actor: 'ops@example.com', at: '2026-11-26T00:00:00.000Z', data: { when: new Date('2026-01-01T00:00:00.000Z') } as never });
    expect(second).toMatchObject({ seq: 2, actor: 'ops@example.com', at: '2026-11-26T00:00:00.000Z', data: { when: '2026-01-01T00:00:00.000Z' }, prevHash: first.hash });
    expect(await audit.list(id)).toEqual([first, second]);
  });

  it('without a clock of its own, stamps the current time', async () => {
    const live = createAuditLog({ dynamo: env.dynamo });
    const before = Date.now();
    const e = await live.append(chainId(), { key: 'now', kind: 'note' });
    expect(Date.parse(e.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.now() + 1000);
  });
});

describe('contention', () => {
  it('a chain of the audit table gives up after 25 lost writes by default (or maxAttempts), as unavailable', async () => {
    let puts = 0;
    const d = contended('PutItemCommand');
    d.doc.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand') puts++;
        return next(args);
      },
      { step: 'initialize', name: 'count', priority: 'high' },
    );
    const id = chainId();
    await expect(createAuditLog({ dynamo: d }).append(id, { key: 'k1', kind: 'note' })).rejects.toMatchObject({
      name: 'StoreError',
      code: 'AUDIT_APPEND_CONTENDED',
      kind: 'unavailable',
      message: `could not append "k1" to the audit chain of ${id}: too many concurrent writers`,
    });
    expect(puts).toBe(25);
    puts = 0;
    await expect(createAuditLog({ dynamo: d, maxAttempts: 2 }).append(id, { key: 'k1', kind: 'note' })).rejects.toMatchObject({ code: 'AUDIT_APPEND_CONTENDED' });
    expect(puts).toBe(2);
    expect(await audit.list(id)).toEqual([]);
  });

  it("a request's chain gives up after maxAttempts lost writes with the repository's conflict", async () => {
    const r = await createRequestRepository({ dynamo: env.dynamo }).create(newRequest(T0));
    await expect(createAuditLog({ dynamo: contended('UpdateItemCommand'), maxAttempts: 3 }).append(r.id, { key: 'k1', kind: 'note' })).rejects.toMatchObject({
      code: 'REQUEST_CONFLICT',
      message: `Request ${r.id} kept changing; the step was not applied after 3 attempts.`,
    });
  });

  it('other failures of the audit table pass through (not retried as contention)', async () => {
    const missing = createDynamo({ endpoint: env.endpoint, region: 'us-east-1', tablePrefix: 'absent-' });
    extraClients.push(missing);
    await expect(createAuditLog({ dynamo: missing }).append(chainId(), { key: 'k1', kind: 'note' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('a request whose head does not match its chain', () => {
  const requests = () => tableName(env.dynamo.tablePrefix, 'requests');

  it('names the first missing event when the last ones were removed', async () => {
    const repo = createRequestRepository({ dynamo: env.dynamo });
    const r = await repo.create(newRequest(T0), [{ key: 'requested', kind: 'requested' }]);
    await audit.append(r.id, { key: 'n2', kind: 'note' });
    await audit.append(r.id, { key: 'n3', kind: 'note' });
    await env.dynamo.doc.send(new UpdateCommand({ TableName: requests(), Key: { id: r.id }, UpdateExpression: 'REMOVE auditEvents[2], auditEvents[1]' }));
    expect(await audit.verifyChain(r.id)).toEqual({
      ok: false,
      count: 1,
      brokenAt: { seq: 2 },
      problem: "the request's chain head is event 3 but the chain holds 1 events ending elsewhere (events were removed or replaced)",
    });
  });

  it('notices a last event replaced by another well-chained one (same length, other hash)', async () => {
    const repo = createRequestRepository({ dynamo: env.dynamo });
    const r = await repo.create(newRequest(T0), [{ key: 'requested', kind: 'requested' }]);
    const real = await audit.append(r.id, { key: 'n2', kind: 'note', data: { said: 'yes' } });
    const { hash: _hash, ...body } = { ...real, data: { said: 'no' } };
    const forged = { ...body, hash: hashAuditEvent(body) };
    await env.dynamo.doc.send(new UpdateCommand({ TableName: requests(), Key: { id: r.id }, UpdateExpression: 'SET auditEvents[1] = :e', ExpressionAttributeValues: { ':e': forged } }));
    expect(await audit.verifyChain(r.id)).toEqual({
      ok: false,
      count: 2,
      brokenAt: { seq: 2 },
      problem: "the request's chain head is event 2 but the chain holds 2 events ending elsewhere (events were removed or replaced)",
    });
  });

  it('an append whose key the head knows but the chain lost is an internal error, not a silent success', async () => {
    const repo = createRequestRepository({ dynamo: env.dynamo });
    const r = await repo.create(newRequest(T0), [{ key: 'requested', kind: 'requested' }]);
    await env.dynamo.doc.send(new UpdateCommand({ TableName: requests(), Key: { id: r.id }, UpdateExpression: 'REMOVE auditEvents[0]' }));
    await expect(audit.append(r.id, { key: 'requested', kind: 'requested' })).rejects.toMatchObject({
      name: 'StoreError',
      code: 'AUDIT_APPEND_CONTENDED',
      kind: 'internal',
      message: `audit key "requested" is in the head of ${r.id} but not in its chain`,
    });
  });

  it('an append whose key is already in the chain returns that event', async () => {
    const repo = createRequestRepository({ dynamo: env.dynamo });
    const r = await repo.create(newRequest(T0), [{ key: 'requested', kind: 'requested', actor: 'dave@example.com' }]);
    const [stored] = await audit.list(r.id);
    expect(await audit.append(r.id, { key: 'requested', kind: 'requested' })).toEqual(stored);
  });

  it('the chain of a chain id that is no request lives in the audit table, untouched by requests', async () => {
    const id = chainId();
    await env.dynamo.doc.send(new PutCommand({ TableName: tableName(env.dynamo.tablePrefix, 'audit'), Item: { requestId: id, seq: 1, key: 'x', kind: 'note', at: T0.toISOString(), data: {}, prevHash: GENESIS_HASH, hash: 'f'.repeat(64) } }));
    expect(await audit.verifyChain(id)).toMatchObject({ ok: false, count: 1, brokenAt: { seq: 1 } });
  });
});
