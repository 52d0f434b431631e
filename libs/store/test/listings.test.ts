import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type AccessRequest, type RequestEvent } from '@dbre/domain';
import { createRequestRepository, StoreError, tableName, type Dynamo, type RequestRepository } from '../src';
import { newRequest, startDynamo } from './helpers';

// Listings (indexes, cursors, time filters) against dynalite. Each test uses its own e-mails or
// times far apart so that the tests of this file do not see each other's requests.

const alice = { email: 'alice@example.com' };
const T0 = new Date('2026-11-25T10:00:00.000Z');
const at = (min: number, base = T0) => new Date(base.getTime() + min * 60_000);

let env: { dynamo: Dynamo; close: () => Promise<void> };
let repo: RequestRepository;
beforeAll(async () => {
  env = await startDynamo();
  repo = createRequestRepository({ dynamo: env.dynamo });
});
afterAll(() => env.close());

const requests = () => tableName(env.dynamo.tablePrefix, 'requests');
const rawItem = async (id: string) => (await env.dynamo.doc.send(new GetCommand({ TableName: requests(), Key: { id } }))).Item;
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function walk(r: AccessRequest, events: RequestEvent[], when: Date): Promise<AccessRequest> {
  for (const e of events) r = (await repo.applyEvent(r.id, e, when)).request;
  return r;
}
const toActive = (r: AccessRequest, when: Date) =>
  walk(r, [{ type: 'approve', by: alice }, { type: 'start_provisioning' }, { type: 'record_resources', resources: { dbUser: 'jit_list_x' } }, { type: 'activate' }], when);

describe('cursors', () => {
  it('refuses a cursor that is not one a listing gave out, as CURSOR_INVALID (a caller mistake, not a 500)', async () => {
    await repo.create(newRequest(T0, 'cursor@example.com'));
    const refusal = { code: 'CURSOR_INVALID', kind: 'invalid', message: 'The cursor is not one this listing gave out: start again without a cursor and follow the `cursor` of each page.' };
    // Not base64url JSON at all: the parse error is kept as the cause.
    const garbage = await repo.listByRequester('cursor@example.com', { cursor: '%%%not-a-cursor' }).catch((e: unknown) => e);
    expect(garbage).toBeInstanceOf(StoreError);
    expect(garbage).toMatchObject(refusal);
    expect((garbage as Error).cause).toBeInstanceOf(SyntaxError);
    // JSON, but not an object of string or number key attributes: refused before DynamoDB is asked (no cause).
    for (const value of [null, ['id'], 'id', 42, {}, { id: true }, { id: null }, { id: { S: 'x' } }, { id: 'x', n: [1] }]) {
      const err = await repo.listByRequester('cursor@example.com', { cursor: cursorOf(value) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject(refusal);
      expect((err as Error).cause).toBeUndefined();
    }
  });

  it('refuses a well-formed cursor of another listing (DynamoDB rejects its key), keeping DynamoDB error as the cause', async () => {
    await repo.create(newRequest(T0, 'other-cursor@example.com'));
    const err = await repo.listByRequester('other-cursor@example.com', { cursor: cursorOf({ state: 'requested', updatedAt: T0.toISOString(), id: 'x' }) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CURSOR_INVALID', kind: 'invalid' });
    expect((err as Error).cause).toMatchObject({ name: 'ValidationException' });
  });

  it('an empty cursor means the first page; the last page carries no cursor at all', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await repo.create(newRequest(T0, 'first-page@example.com'))).id);
    const first = await repo.listByRequester('first-page@example.com', { cursor: '' });
    expect(first.items.map((r) => r.id)).toEqual([...made].sort().reverse());
    expect(first).not.toHaveProperty('cursor');
    const p1 = await repo.listByRequester('first-page@example.com', { limit: 2 });
    expect(p1.items.map((r) => r.id)).toEqual([...made].sort().reverse().slice(0, 2));
    const p2 = await repo.listByRequester('first-page@example.com', { limit: 2, cursor: p1.cursor! });
    expect(p2.items.map((r) => r.id)).toEqual([[...made].sort()[0]]);
    expect(p2).not.toHaveProperty('cursor');
  });

  it('a cursor with a numeric key attribute passes the decoder and is left to DynamoDB', async () => {
    // Key attributes may be numbers (the audit table's seq): such a cursor reaches DynamoDB, which refuses this one.
    const err = await repo.listByRequester('numeric@example.com', { cursor: cursorOf({ requesterId: 'numeric@example.com', id: 'x', seq: 3 }) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CURSOR_INVALID' });
    expect((err as Error).cause).toMatchObject({ name: 'ValidationException' });
  });
});

describe('listings by requester', () => {
  it('finds a requester whatever the case of the stored or asked e-mail', async () => {
    // A request built by hand (not parsed) may carry the e-mail as typed: the index attribute is folded anyway.
    const made = newRequest(T0, 'mixed.case@example.com');
    const r = await repo.create({ ...made, requester: { ...made.requester, email: 'Mixed.Case@Example.COM' } });
    expect((await repo.listByRequester('mixed.case@example.com')).items.map((x) => x.id)).toEqual([r.id]);
    expect((await repo.listByRequester('MIXED.CASE@EXAMPLE.COM')).items.map((x) => x.id)).toEqual([r.id]);
    expect((await rawItem(r.id))?.['requesterId']).toBe('mixed.case@example.com');
  });
});

describe('listings by state and update time', () => {
  const base = new Date('2041-03-01T00:00:00.000Z');

  it('updatedBefore is exclusive, updatedAfter inclusive, oldest update first', async () => {
    const ids: string[] = [];
    // Expired (past the 60-minute review window) at +120, +130 and +140 minutes.
    for (const min of [0, 10, 20]) {
      const r = await repo.create(newRequest(at(min, base), `bystate${min}@example.com`));
      await repo.applyEvent(r.id, { type: 'expire' }, at(min + 120, base));
      ids.push(r.id);
    }
    const [first, second, third] = ids as [string, string, string];
    const mine = (page: { items: AccessRequest[] }) => page.items.map((r) => r.id).filter((id) => ids.includes(id));
    expect(mine(await repo.listByState('expired', { updatedBefore: at(130, base) }))).toEqual([first]);
    expect(mine(await repo.listByState('expired', { updatedBefore: at(130, base), limit: 50 }))).toEqual([first]);
    expect(mine(await repo.listByState('expired', { updatedAfter: at(130, base) }))).toEqual([second, third]);
    expect(mine(await repo.listByState('expired', { updatedAfter: at(130.001, base) }))).toEqual([third]);
    expect(mine(await repo.listByState('expired', { updatedBefore: at(140.001, base) }))).toEqual([first, second, third]);
    expect(mine(await repo.listByState('expired'))).toEqual([first, second, third]);
    expect(mine(await repo.listByState('requested'))).toEqual([]);
  });

  it('refuses both time filters at once', () => {
    expect(() => repo.listByState('expired', { updatedBefore: base, updatedAfter: base })).toThrow(new TypeError('listByState: give updatedBefore or updatedAfter, not both'));
  });
});

describe('grants ending before a time (sparse by-end index)', () => {
  it('includes a grant ending exactly at the time, and drops it from the index once it is revoked', async () => {
    const base = new Date('2042-06-01T00:00:00.000Z');
    const g = await toActive(await repo.create(newRequest(base, 'ends-exactly@example.com')), at(1, base));
    const endsAt = new Date(g.endsAt!);
    expect(endsAt.getTime()).toBe(at(61, base).getTime()); // activated at +1 min for the 60 default minutes
    expect((await rawItem(g.id))?.['grantBucket']).toBe('grant');
    const due = async (t: Date) => (await repo.listGrantsEndingBefore(t)).map((r) => r.id).filter((id) => id === g.id);
    expect(await due(endsAt)).toEqual([g.id]);
    expect(await due(new Date(endsAt.getTime() - 1))).toEqual([]);
    await walk(g, [{ type: 'start_revoke', reason: 'expired' }], at(62, base));
    expect(await due(endsAt)).toEqual([g.id]); // revoking still holds resources
    await walk(g, [{ type: 'complete_revoke' }], at(63, base));
    expect(await due(endsAt)).toEqual([]);
    expect(await rawItem(g.id)).not.toHaveProperty('grantBucket');
  });

  it('a request that holds no grant is never in the index', async () => {
    const r = await repo.create(newRequest(T0, 'no-grant@example.com'));
    await walk(r, [{ type: 'approve', by: alice }], at(1));
    expect(await rawItem(r.id)).not.toHaveProperty('grantBucket');
  });
});

describe('quarantined records', () => {
  const putRaw = (item: Record<string, unknown>) => env.dynamo.doc.send(new PutCommand({ TableName: requests(), Item: item }));

  it('lists every bad record sorted by id, with the broken fields named, and get carries them in its details', async () => {
    const warned: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
    const watched = createRequestRepository({ dynamo: env.dynamo, logger: { warn: (obj, msg) => warned.push({ obj: obj as Record<string, unknown>, msg }) } });
    const a = newRequest(T0, 'quarantine@example.com');
    const b = newRequest(at(1), 'quarantine@example.com');
    const [low, high] = [a, b].sort((x, y) => x.id.localeCompare(y.id)) as [AccessRequest, AccessRequest];
    // Written in reverse order of id; one misses its reason, the other has a negative version.
    await putRaw({ ...high, reason: undefined, requesterId: 'quarantine@example.com' });
    await putRaw({ ...low, version: -1, requesterId: 'quarantine@example.com' });
    try {
      const listed = await watched.listQuarantined();
      expect(listed.map((q) => q.id)).toEqual([low.id, high.id]);
      expect(listed[0]!.problems).toEqual([expect.stringMatching(/^version: /)]);
      expect(listed[1]!.problems).toEqual([expect.stringMatching(/^reason: /)]);

      const err = await watched.get(low.id).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'REQUEST_QUARANTINED', kind: 'conflict', details: { quarantined: { id: low.id, problems: listed[0]!.problems } } });
      expect((err as Error).message).toBe(
        `Access request ${low.id} is quarantined: its stored record does not match the schema (${listed[0]!.problems.join('; ')}). Operators list such records; nothing can act on it until it is repaired.`,
      );
      expect(warned).toEqual([{ obj: { table: requests(), key: low.id, problems: listed[0]!.problems }, msg: 'stored request quarantined: it does not match the schema and is skipped' }]);

      // A repository without a logger skips the same records quietly.
      expect((await repo.listByRequester('quarantine@example.com')).items).toEqual([]);
      await expect(repo.get(high.id)).rejects.toMatchObject({ code: 'REQUEST_QUARANTINED' });
      // The audit trail of a quarantined record can still be read.
      expect(await repo.auditEvents(high.id)).toEqual({ request: undefined, events: [] });
    } finally {
      for (const id of [low.id, high.id]) await env.dynamo.doc.send(new DeleteCommand({ TableName: requests(), Key: { id } }));
    }
    expect(await repo.listQuarantined()).toEqual([]);
  });
});
