import { GENESIS_HASH, hashAuditEvent } from '@dbre/domain';
import { createAuditLog, createRequestRepository, type AuditLog, type Dynamo, type RequestRepository } from '../src';
import { newRequest, startDynamo } from './helpers';

// The revoke seals its evidence on the chain its last write returns, without reading the request again:
// that chain must be exactly the one stored, archived events included.
const T0 = new Date('2026-11-25T10:00:00.000Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const alice = { email: 'alice@example.com' };

let env: { dynamo: Dynamo; close: () => Promise<void> };
let repo: RequestRepository;
let audit: AuditLog;
beforeAll(async () => {
  env = await startDynamo();
  repo = createRequestRepository({ dynamo: env.dynamo });
  audit = createAuditLog({ dynamo: env.dynamo });
});
afterAll(() => env.close());

describe('a transition that returns the stored chain', () => {
  it('returns every event in order, the new ones included, each linked to the one before', async () => {
    const r = await repo.create(newRequest(T0), [{ key: 'requested', kind: 'requested', actor: 'dave@example.com' }]);
    const { request, chain } = await repo.applyTransitionReturningChain(r, { type: 'approve', by: alice }, at(1), [{ key: 'approved:alice@example.com', kind: 'approved', actor: 'alice@example.com' }]);
    expect(request).toMatchObject({ state: 'approved', version: 2, audit: { seq: 2 } });
    expect(chain.map((e) => [e.seq, e.key, e.actor])).toEqual([
      [1, 'requested', 'dave@example.com'],
      [2, 'approved:alice@example.com', 'alice@example.com'],
    ]);
    expect(chain[0]!.prevHash).toBe(GENESIS_HASH);
    expect(chain[1]!.prevHash).toBe(chain[0]!.hash);
    expect(chain.every((e) => hashAuditEvent(e) === e.hash)).toBe(true);
    expect(request.audit?.hash).toBe(chain[1]!.hash);
  });

  it('includes the events already moved to the audit table', async () => {
    const r = await repo.create(newRequest(T0), [{ key: 'requested', kind: 'requested' }]);
    for (let i = 0; i < 104; i++) await audit.append(r.id, { key: `approval_refused:x:${i}`, kind: 'approval_refused', actor: 'mallory@example.com' });
    const stored = await repo.require(r.id);
    expect(stored.audit?.archived).toBeGreaterThan(0);
    const { chain } = await repo.applyTransitionReturningChain(stored, { type: 'approve', by: alice }, at(1), [{ key: 'approved:alice@example.com', kind: 'approved' }]);
    expect(chain).toHaveLength(106);
    expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 106 }, (_, i) => i + 1));
    expect(chain[0]!.key).toBe('requested');
    expect(chain[105]!.key).toBe('approved:alice@example.com');
    expect(chain.slice(1).every((e, i) => e.prevHash === chain[i]!.hash)).toBe(true);
  });

  it('refuses a stale copy with REQUEST_CONFLICT and writes nothing', async () => {
    const r = await repo.create(newRequest(T0), [{ key: 'requested', kind: 'requested' }]);
    await repo.applyTransitionOrThrow(r, { type: 'approve', by: alice }, at(1), [{ key: 'approved:alice@example.com', kind: 'approved' }]);
    await expect(repo.applyTransitionReturningChain(r, { type: 'deny', by: alice, reason: 'no' }, at(2))).rejects.toMatchObject({ code: 'REQUEST_CONFLICT' });
    expect(await repo.require(r.id)).toMatchObject({ state: 'approved', audit: { seq: 2 } });
  });
});
