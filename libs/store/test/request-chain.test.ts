import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError, GENESIS_HASH, hashAuditEvent, type AccessRequest } from '@dbre/domain';
import { createAuditLog, createRequestRepository, MAX_INLINE_EVENTS, tableName, type AuditLog, type Dynamo, type RequestRepository } from '../src';
import { newRequest, startDynamo } from './helpers';

const alice = { email: 'alice@example.com' };
const bob = { email: 'bob@example.com' };
const T0 = new Date('2026-11-25T10:00:00.000Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);

let env: { dynamo: Dynamo; close: () => Promise<void> };
let repo: RequestRepository;
let audit: AuditLog;
beforeAll(async () => {
  env = await startDynamo();
  repo = createRequestRepository({ dynamo: env.dynamo });
  audit = createAuditLog({ dynamo: env.dynamo });
});
afterAll(() => env.close());

const requested = { key: 'requested', kind: 'requested', actor: 'dave@example.com' } as const;

/** The audit table holds nothing of a request whose events all travel on its item. */
async function auditTableRows(id: string): Promise<number> {
  const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
  const out = await env.dynamo.doc.send(new QueryCommand({ TableName: tableName(env.dynamo.tablePrefix, 'audit'), KeyConditionExpression: 'requestId = :r', ExpressionAttributeValues: { ':r': id } }));
  return out.Items?.length ?? 0;
}

describe('a request and its audit chain, written together', () => {
  it('creates the request and its requested event in one write', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    expect(r.audit).toMatchObject({ seq: 1, keys: ['requested'] });
    const events = await audit.list(r.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ requestId: r.id, seq: 1, key: 'requested', kind: 'requested', actor: 'dave@example.com', prevHash: GENESIS_HASH, at: T0.toISOString() });
    expect(hashAuditEvent(events[0]!)).toBe(events[0]!.hash);
    expect(r.audit?.hash).toBe(events[0]!.hash);
    expect(await auditTableRows(r.id)).toBe(0);
  });

  it('writes a transition with its events, computed from the new state, and chains them', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    const done = await repo.write(r, { event: { type: 'approve', by: alice }, audit: (next) => [{ key: 'approved:alice@example.com', kind: 'approved', actor: 'alice@example.com', data: { state: next.state } }] }, at(1));
    expect(done).toMatchObject({ ok: true, request: { state: 'approved', version: 2, audit: { seq: 2 } } });
    const events = await audit.list(r.id);
    expect(events.map((e) => [e.seq, e.kind, e.data])).toEqual([
      [1, 'requested', {}],
      [2, 'approved', { state: 'approved' }],
    ]);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
    expect(await audit.verifyChain(r.id)).toEqual({ ok: true, count: 2, headHash: events[1]!.hash });
    expect((await repo.get(r.id))?.audit?.hash).toBe(events[1]!.hash);
  });

  it('a step retried with the same key writes nothing the second time', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    const first = await repo.update(r.id, () => ({ audit: [{ key: 'warned:x', kind: 'warned' }] }), () => at(2));
    const second = await repo.update(r.id, () => ({ audit: [{ key: 'warned:x', kind: 'warned' }] }), () => at(3));
    expect(first.events).toHaveLength(1);
    expect(second.events).toHaveLength(0);
    expect(second.request.version).toBe(first.request.version);
    expect((await audit.list(r.id)).map((e) => e.key)).toEqual(['requested', 'warned:x']);
    // The same through the audit log: the existing event comes back.
    expect(await audit.append(r.id, { key: 'warned:x', kind: 'warned' })).toEqual((await audit.list(r.id))[1]);
  });

  it('two writers racing from the same copy: one step wins with its event, the other re-decides on the fresh state', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    const seen: string[] = [];
    const decide = (by: typeof alice, verb: 'approve' | 'cancel') => (current: AccessRequest) => {
      seen.push(`${verb}:${current.state}`);
      if (current.state !== 'requested') return undefined; // someone decided first: nothing to do
      return verb === 'approve'
        ? { event: { type: 'approve' as const, by }, audit: [{ key: `approved:${by.email}`, kind: 'approved' as const, actor: by.email }] }
        : { event: { type: 'cancel' as const, by }, audit: [{ key: 'cancelled', kind: 'cancelled' as const, actor: by.email }] };
    };
    const [a, b] = await Promise.all([repo.update(r, decide(alice, 'approve'), () => at(1)), repo.update(r, decide({ email: 'dave@example.com' }, 'cancel'), () => at(1))]);
    expect([a.changed, b.changed].sort()).toEqual([false, true]);
    const stored = await repo.require(r.id);
    expect(['approved', 'cancelled']).toContain(stored.state);
    const kinds = (await audit.list(r.id)).map((e) => e.kind);
    expect(kinds).toEqual(['requested', stored.state === 'approved' ? 'approved' : 'cancelled']);
    expect(await audit.verifyChain(r.id)).toMatchObject({ ok: true, count: 2 });
    // Both decided once on the old copy; the loser again, on the fresh one, and found nothing to do.
    expect(seen).toHaveLength(3);
    expect(seen[2]).toBe(stored.state === 'approved' ? 'cancel:approved' : 'approve:cancelled');
  });

  it('a stale copy loses the conditional write and nothing of it is stored', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    await repo.write(r, { audit: [{ key: 'note:1', kind: 'note' }] }, at(1));
    const stale = await repo.write(r, { event: { type: 'approve', by: alice }, audit: [{ key: 'approved:alice@example.com', kind: 'approved' }] }, at(2));
    expect(stale).toMatchObject({ ok: false, reason: 'conflict', current: { state: 'requested', audit: { seq: 2 } } });
    expect((await audit.list(r.id)).map((e) => e.key)).toEqual(['requested', 'note:1']);
  });

  it('concurrent appends to a request interleave into one chain without forks or duplicates', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    const keys = Array.from({ length: 6 }, (_, i) => `note:${i}`);
    await Promise.all([...keys, ...keys].map((key) => audit.append(r.id, { key, kind: 'note', data: { key } })));
    const events = await audit.list(r.id);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 7 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.key)).size).toBe(7);
    expect(await audit.verifyChain(r.id)).toMatchObject({ ok: true, count: 7 });
  });

  it('an illegal step is refused by the state machine and writes nothing', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    await expect(repo.write(r, { event: { type: 'activate' }, audit: [{ key: 'activated', kind: 'activated' }] }, at(1))).rejects.toBeInstanceOf(DomainError);
    expect(await audit.list(r.id)).toHaveLength(1);
  });

  it('notices events removed from the end of a chain (the head on the request says how long it is)', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    await repo.write(r, { event: { type: 'approve', by: alice }, audit: [{ key: 'approved:alice@example.com', kind: 'approved' }] }, at(1));
    await env.dynamo.doc.send(new UpdateCommand({ TableName: tableName(env.dynamo.tablePrefix, 'requests'), Key: { id: r.id }, UpdateExpression: 'REMOVE auditEvents[1]' }));
    expect(await audit.verifyChain(r.id)).toMatchObject({ ok: false, count: 1, problem: expect.stringContaining('removed') });
  });

  it(`moves the oldest events to the audit table past ${MAX_INLINE_EVENTS} and keeps one verifiable, deduplicated chain`, async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    for (let i = 0; i < MAX_INLINE_EVENTS + 5; i++) await audit.append(r.id, { key: `approval_refused:x:${i}`, kind: 'approval_refused', actor: 'mallory@example.com' });
    expect(await auditTableRows(r.id)).toBeGreaterThan(0);
    expect((await repo.get(r.id))?.audit?.archived).toBeGreaterThan(0);
    await audit.append(r.id, { key: 'approval_refused:x:0', kind: 'approval_refused' }); // an archived key is still known
    const events = await audit.list(r.id);
    expect(events).toHaveLength(MAX_INLINE_EVENTS + 6);
    expect(await audit.verifyChain(r.id)).toMatchObject({ ok: true, count: MAX_INLINE_EVENTS + 6 });
  });

  it('continues the chain of a request stored before it carried its head (events in the audit table)', async () => {
    const legacy = newRequest(T0);
    await env.dynamo.doc.send(new PutCommand({ TableName: tableName(env.dynamo.tablePrefix, 'requests'), Item: { ...legacy, requesterId: legacy.requester.email } }));
    const first = { requestId: legacy.id, seq: 1, key: 'requested', kind: 'requested' as const, at: T0.toISOString(), data: {}, prevHash: GENESIS_HASH };
    await env.dynamo.doc.send(new PutCommand({ TableName: tableName(env.dynamo.tablePrefix, 'audit'), Item: { ...first, hash: hashAuditEvent(first) } }));
    const done = await repo.write(legacy, { event: { type: 'approve', by: bob }, audit: [{ key: 'requested', kind: 'requested' }, { key: 'approved:bob@example.com', kind: 'approved' }] }, at(1));
    expect(done).toMatchObject({ ok: true, request: { audit: { seq: 2, archived: 1 } } });
    expect((await audit.list(legacy.id)).map((e) => e.key)).toEqual(['requested', 'approved:bob@example.com']);
    expect(await audit.verifyChain(legacy.id)).toMatchObject({ ok: true, count: 2 });
  });
});
