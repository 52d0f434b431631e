import { DomainError, transition, type AccessRequest, type RequestEvent } from '@dbre/domain';
import { createRequestRepository, StoreError, type Dynamo, type RequestRepository } from '../src';
import { newRequest, startDynamo } from './helpers';

const alice = { email: 'alice@example.com' };
const bob = { email: 'bob@example.com' };
const T0 = new Date('2026-11-25T10:00:00.000Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);

let env: { dynamo: Dynamo; close: () => Promise<void> };
let repo: RequestRepository;
beforeAll(async () => {
  env = await startDynamo();
  repo = createRequestRepository({ dynamo: env.dynamo });
});
afterAll(() => env.close());

async function walk(r: AccessRequest, events: RequestEvent[], min = 1): Promise<AccessRequest> {
  for (const e of events) r = await repo.applyEvent(r.id, e, at(min)).then((x) => x.request);
  return r;
}
const toActive = (r: AccessRequest, min = 1) =>
  walk(r, [{ type: 'approve', by: alice }, { type: 'start_provisioning' }, { type: 'record_resources', resources: { dbUser: 'jit_dave_x' } }, { type: 'activate' }], min);

describe('the request repository', () => {
  it('creates once and reads back the same request', async () => {
    const r = newRequest(T0);
    const created = await repo.create(r);
    expect(created).toEqual({ ...r, audit: { seq: 0, hash: '0'.repeat(64), keys: [], archived: 0 } });
    expect(await repo.get(r.id)).toEqual(created);
    await expect(repo.create(r)).rejects.toMatchObject({ code: 'REQUEST_EXISTS', kind: 'conflict' });
    expect(await repo.get('01JD000000000000000000NONE')).toBeUndefined();
    await expect(repo.require('01JD000000000000000000NONE')).rejects.toBeInstanceOf(StoreError);
  });

  it('applies a transition conditionally on state and version, and reports a stale one as a conflict', async () => {
    const r = await repo.create(newRequest(T0));
    const first = await repo.applyTransition(r, { type: 'approve', by: alice }, at(1));
    expect(first).toMatchObject({ ok: true, request: { state: 'approved', version: 2 } });
    // Same stale copy again: the stored version moved on, nothing is overwritten.
    const again = await repo.applyTransition(r, { type: 'deny', by: bob, reason: 'late' }, at(2));
    expect(again).toEqual({ ok: false, reason: 'conflict', current: expect.objectContaining({ state: 'approved', version: 2 }) });
    expect((await repo.require(r.id)).denial).toBeUndefined();
  });

  it('applyTransitionOrThrow returns the new request, and throws REQUEST_CONFLICT for a stale copy without writing', async () => {
    const r = await repo.create(newRequest(T0));
    await expect(repo.applyTransitionOrThrow(r, { type: 'approve', by: alice }, at(1))).resolves.toMatchObject({ state: 'approved', version: 2 });
    await expect(repo.applyTransitionOrThrow(r, { type: 'deny', by: bob, reason: 'late' }, at(2))).rejects.toMatchObject({ code: 'REQUEST_CONFLICT' });
    await expect(repo.applyTransitionOrThrow(r, { type: 'deny', by: bob, reason: 'late' }, at(2))).rejects.toBeInstanceOf(StoreError);
    expect(await repo.require(r.id)).toMatchObject({ state: 'approved', version: 2 });
  });

  it('of two concurrent transitions exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const r = await repo.create(newRequest(T0));
      const results = await Promise.all([
        repo.applyTransition(r, { type: 'approve', by: alice }, at(1)),
        repo.applyTransition(r, { type: 'deny', by: bob, reason: 'not now' }, at(1)),
        repo.applyTransition(r, { type: 'cancel', by: { email: 'dave@example.com' } }, at(1)),
      ]);
      const winners = results.filter((x) => x.ok);
      expect(winners).toHaveLength(1);
      const stored = await repo.require(r.id);
      expect(stored.version).toBe(2);
      expect(stored.state).toBe(winners[0]!.ok ? winners[0]!.request.state : 'none');
    }
  });

  it('a duplicated job applying the same event concurrently applies it once; the retry is refused by the state machine', async () => {
    const r = await toActive(await repo.create(newRequest(T0)));
    const tries = await Promise.allSettled(Array.from({ length: 4 }, () => repo.applyEvent(r.id, { type: 'start_revoke', reason: 'expired' }, at(61))));
    expect(tries.filter((t) => t.status === 'fulfilled')).toHaveLength(1);
    for (const t of tries.filter((x) => x.status === 'rejected')) {
      expect((t as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
      expect((t as PromiseRejectedResult).reason.message).toMatch(/is revoking; it cannot be ended now/);
    }
    expect((await repo.require(r.id)).version).toBe(r.version + 1);
  });

  it('concurrent approvals of a prod request both land, through re-reads', async () => {
    const r = await repo.create(newRequest(T0, 'dave@example.com', 'prod'));
    await Promise.all([repo.applyEvent(r.id, { type: 'approve', by: alice }, at(1)), repo.applyEvent(r.id, { type: 'approve', by: bob }, at(1))]);
    const stored = await repo.require(r.id);
    expect(stored).toMatchObject({ state: 'approved', version: 3 });
    expect(stored.approvals.map((a) => a.by.email).sort()).toEqual(['alice@example.com', 'bob@example.com']);
  });

  it('applyEvent on an unknown id says so', async () => {
    await expect(repo.applyEvent('01JD000000000000000000NONE', { type: 'expire' }, T0)).rejects.toMatchObject({ code: 'REQUEST_NOT_FOUND' });
  });

  it('finds requests by state, oldest update first, and filters by update time', async () => {
    const a = await repo.create(newRequest(new Date('2030-01-01T00:00:00.000Z'), 'q1@example.com'));
    await walk(a, [{ type: 'approve', by: alice }], 1);
    const b = await repo.create(newRequest(T0, 'q2@example.com'));
    await repo.applyEvent(b.id, { type: 'expire' }, new Date('2031-01-01T00:00:00.000Z'));
    const expired = await repo.listByState('expired');
    expect(expired.items.map((x) => x.id)).toContain(b.id);
    const old = await repo.listByState('approved', { updatedBefore: at(2) });
    expect(old.items.map((x) => x.id)).toContain(a.id);
    expect((await repo.listByState('approved', { updatedBefore: at(0) })).items.map((x) => x.id)).not.toContain(a.id);
  });

  it('pages with a cursor', async () => {
    for (let i = 0; i < 5; i++) await repo.create(newRequest(T0, 'pager@example.com'));
    const p1 = await repo.listByRequester('PAGER@example.com', { limit: 3 });
    expect(p1.items).toHaveLength(3);
    expect(p1.cursor).toBeDefined();
    const p2 = await repo.listByRequester('pager@example.com', { limit: 3, cursor: p1.cursor! });
    expect(p2.items).toHaveLength(2);
    const ids = [...p1.items, ...p2.items].map((x) => x.id);
    expect(new Set(ids).size).toBe(5);
    expect(ids).toEqual([...ids].sort().reverse());
  });

  it('lists active and revoking grants ending before a time, and only those (sparse by-end index)', async () => {
    const soon = await toActive(await repo.create(newRequest(T0, 'soon@example.com')), 1);
    const later = await toActive(await repo.create(newRequest(T0, 'later@example.com')), 120);
    const revoking = await walk(await toActive(await repo.create(newRequest(T0, 'rev@example.com')), 2), [{ type: 'start_revoke', reason: 'ended_by_requester' }], 5);
    const done = await walk(await toActive(await repo.create(newRequest(T0, 'done@example.com')), 1), [{ type: 'start_revoke', reason: 'expired' }, { type: 'complete_revoke' }], 70);
    const due = (await repo.listGrantsEndingBefore(at(90))).map((x) => x.id);
    expect(due).toEqual(expect.arrayContaining([soon.id, revoking.id]));
    expect(due).not.toContain(later.id);
    expect(due).not.toContain(done.id);
    expect((await repo.listGrantsEndingBefore(at(200))).map((x) => x.id)).toContain(later.id);
  });

  it('a stored item round-trips through the schema exactly as the state machine produced it', async () => {
    const r = await toActive(await repo.create(newRequest(T0, 'rt@example.com')));
    const extended = transition(transition(r, { type: 'request_extension', by: { email: 'rt@example.com' }, minutes: 30 }, at(5)), { type: 'approve', by: alice }, at(6));
    const res = await repo.applyTransition(await repo.require(r.id), { type: 'request_extension', by: { email: 'rt@example.com' }, minutes: 30 }, at(5));
    expect(res.ok).toBe(true);
    const res2 = await repo.applyEvent(r.id, { type: 'approve', by: alice }, at(6));
    expect(res2.request).toEqual(extended);
    expect(await repo.require(r.id)).toEqual(extended);
  });
});
