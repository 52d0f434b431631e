import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GENESIS_HASH, type AccessRequest } from '@dbre/domain';
import { createAuditLog, createDynamo, createRequestRepository, MAX_INLINE_EVENTS, tableName, type Dynamo, type RequestRepository } from '../src';
import { newRequest, startDynamo } from './helpers';

// The write path of the request repository: conditional writes, retries, the inline chain and its
// archive, against dynalite. Where a test needs DynamoDB to misbehave (a lost race every time,
// throttled batch writes), a second client on the same dynalite answers that one command itself.

const alice = { email: 'alice@example.com' };
const T0 = new Date('2026-11-25T10:00:00.000Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);

let env: { dynamo: Dynamo; endpoint: string; close: () => Promise<void> };
let repo: RequestRepository;
const extraClients: Dynamo[] = [];
beforeAll(async () => {
  env = await startDynamo();
  repo = createRequestRepository({ dynamo: env.dynamo });
});
afterAll(async () => {
  for (const d of extraClients) d.close();
  await env.close();
});

const requests = () => tableName(env.dynamo.tablePrefix, 'requests');
const auditTable = () => tableName(env.dynamo.tablePrefix, 'audit');
const rawItem = async (id: string) => (await env.dynamo.doc.send(new GetCommand({ TableName: requests(), Key: { id }, ConsistentRead: true }))).Item!;
const auditRows = async (id: string) =>
  (await env.dynamo.doc.send(new QueryCommand({ TableName: auditTable(), KeyConditionExpression: 'requestId = :r', ExpressionAttributeValues: { ':r': id }, ConsistentRead: true }))).Items ?? [];
const requested = { key: 'requested', kind: 'requested', actor: 'dave@example.com' } as const;

/** A client of the same dynalite whose DynamoDB answers `command` itself (the rest goes through). */
function misbehaving(command: string, answer: (input: Record<string, unknown>) => unknown): Dynamo {
  const d = createDynamo({ endpoint: env.endpoint, region: 'us-east-1', tablePrefix: env.dynamo.tablePrefix });
  extraClients.push(d);
  d.doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command) return { output: answer(args.input as Record<string, unknown>), response: {} } as never;
      return next(args);
    },
    { step: 'initialize', name: 'misbehaving' },
  );
  return d;
}
const conditionFailed = () => {
  throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
};

describe('steps that write nothing', () => {
  it('a step whose events are all recorded writes nothing, even from an old copy', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    const old = (await repo.write(r, { audit: [{ key: 'note:1', kind: 'note' }] }, at(1))) as { ok: true; request: AccessRequest };
    await repo.write(old.request, { audit: [{ key: 'note:2', kind: 'note' }] }, at(2));
    const stored = await repo.require(r.id);
    // The old copy already holds note:1: nothing to write, and no conflict for a step that is done.
    const again = await repo.write(old.request, { audit: [{ key: 'note:1', kind: 'note' }] }, at(3));
    expect(again).toEqual({ ok: true, request: old.request, previous: old.request, events: [] });
    expect(await repo.require(r.id)).toEqual(stored);
    expect((await repo.auditEvents(r.id)).events.map((e) => e.key)).toEqual(['requested', 'note:1', 'note:2']);
  });

  it('a transition without audit events bumps the version and leaves the chain as it was', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    const done = await repo.write(r, { event: { type: 'approve', by: alice } }, at(1));
    expect(done).toMatchObject({ ok: true, events: [], request: { state: 'approved', version: 2, audit: r.audit } });
    expect(await repo.require(r.id)).toMatchObject({ state: 'approved', version: 2, audit: r.audit });
    await expect(rawItem(r.id)).resolves.toMatchObject({ auditEvents: [expect.objectContaining({ key: 'requested' })] });
  });
});

describe('requests stored before they carried their chain head', () => {
  const putLegacy = async (r: AccessRequest) => env.dynamo.doc.send(new PutCommand({ TableName: requests(), Item: { ...r, requesterId: r.requester.email } }));

  it('start their chain at 1 from the genesis hash when the audit table holds nothing of them', async () => {
    const legacy = newRequest(T0);
    await putLegacy(legacy);
    const done = await repo.write(legacy, { audit: [{ key: 'note:first', kind: 'note' }] }, at(1));
    expect(done).toMatchObject({ ok: true, events: [{ seq: 1, key: 'note:first', prevHash: GENESIS_HASH }], request: { version: legacy.version, audit: { seq: 1, keys: ['note:first'], archived: 0 } } });
    expect(await createAuditLog({ dynamo: env.dynamo }).verifyChain(legacy.id)).toMatchObject({ ok: true, count: 1 });
  });

  it('two audit-only writes from the same legacy copy: the second loses (the head written by the first)', async () => {
    const legacy = newRequest(T0);
    await putLegacy(legacy);
    expect(await repo.write(legacy, { audit: [{ key: 'note:a', kind: 'note' }] }, at(1))).toMatchObject({ ok: true });
    // Same state and version: only the head now on the item tells this copy is stale.
    const second = await repo.write(legacy, { audit: [{ key: 'note:b', kind: 'note' }] }, at(2));
    expect(second).toMatchObject({ ok: false, reason: 'conflict', current: { audit: { seq: 1, keys: ['note:a'] } } });
    expect((await repo.auditEvents(legacy.id)).events.map((e) => [e.seq, e.key])).toEqual([[1, 'note:a']]);
  });
});

/** Brings the inline chain to exactly MAX_INLINE_EVENTS events, in one write. */
async function fillInline(r: AccessRequest): Promise<AccessRequest> {
  const notes = Array.from({ length: MAX_INLINE_EVENTS - r.audit!.seq }, (_, i) => ({ key: `note:${i + 1}`, kind: 'note' as const }));
  const w = await repo.write(r, { audit: notes }, at(1));
  if (!w.ok) throw new Error('unexpected conflict');
  return w.request;
}

describe('the inline chain and the audit table', () => {
  it(`keeps exactly ${MAX_INLINE_EVENTS} events inline; the next write moves them to the audit table and starts the inline list anew`, async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    const current = await fillInline(r);
    expect(current.audit).toMatchObject({ seq: 100, archived: 0 });
    expect((await rawItem(r.id))['auditEvents']).toHaveLength(100);
    expect(await auditRows(r.id)).toHaveLength(0);

    const next = await repo.write(current, { event: { type: 'approve', by: alice }, audit: [{ key: 'approved:alice@example.com', kind: 'approved' }] }, at(2));
    expect(next).toMatchObject({ ok: true, events: [{ seq: 101 }], request: { state: 'approved', audit: { seq: 101, archived: 100 } } });
    const item = await rawItem(r.id);
    expect((item['auditEvents'] as Array<{ seq: number }>).map((e) => e.seq)).toEqual([101]);
    expect((await auditRows(r.id)).map((e) => e['seq'])).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const { events } = await repo.auditEvents(r.id);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    expect(await createAuditLog({ dynamo: env.dynamo }).verifyChain(r.id)).toMatchObject({ ok: true, count: 101 });
  });

  it('when DynamoDB leaves the archive batch unprocessed every time, the step fails as unavailable and nothing moves', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    const current = await fillInline(r);
    let batches = 0;
    const throttled = misbehaving('BatchWriteItemCommand', (input) => {
      batches++;
      return { UnprocessedItems: input['RequestItems'] };
    });
    const err = await createRequestRepository({ dynamo: throttled })
      .write(current, { audit: [{ key: 'note:100', kind: 'note' }] }, at(2))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StoreError', code: 'AUDIT_APPEND_CONTENDED', kind: 'unavailable', message: `could not archive the audit events of ${r.id}` });
    expect(batches).toBe(10); // ten tries of the first batch of 25, then it gives up
    expect(await repo.require(r.id)).toEqual(current);
    expect(await auditRows(r.id)).toHaveLength(0);
  });
});

describe('lost races', () => {
  it('update gives up after 10 attempts by default, applyEvent after 5, each re-reading the request', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    const contended = createRequestRepository({ dynamo: misbehaving('UpdateItemCommand', conditionFailed) });
    let decided = 0;
    const err = await contended
      .update(r.id, () => (decided++, { event: { type: 'approve', by: alice } }), () => at(1))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StoreError', code: 'REQUEST_CONFLICT', kind: 'conflict', message: `Request ${r.id} kept changing; the step was not applied after 10 attempts.` });
    expect(decided).toBe(10);

    decided = 0;
    await expect(contended.update(r, () => (decided++, { event: { type: 'approve', by: alice } }), () => at(1), { attempts: 2 })).rejects.toMatchObject({
      message: `Request ${r.id} kept changing; the step was not applied after 2 attempts.`,
    });
    expect(decided).toBe(2);

    await expect(contended.applyEvent(r.id, { type: 'approve', by: alice }, at(1))).rejects.toMatchObject({ code: 'REQUEST_CONFLICT', message: expect.stringContaining('after 5 attempts') });
    await expect(contended.applyEvent(r.id, { type: 'approve', by: alice }, at(1), { attempts: 1 })).rejects.toMatchObject({ message: expect.stringContaining('after 1 attempts') });
    await expect(contended.applyTransitionOrThrow(r, { type: 'approve', by: alice }, at(1))).rejects.toMatchObject({
      code: 'REQUEST_CONFLICT',
      kind: 'conflict',
      message: `request ${r.id} changed while applying approve; will retry from the fresh state`,
    });
    expect(await repo.require(r.id)).toEqual(r);
  });

  it('a request deleted under a writer: the write conflicts with nothing stored, and update says it is gone', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    await env.dynamo.doc.send(new DeleteCommand({ TableName: requests(), Key: { id: r.id } }));
    expect(await repo.write(r, { event: { type: 'approve', by: alice } }, at(1))).toEqual({ ok: false, reason: 'conflict', current: undefined });
    expect(await repo.applyTransition(r, { type: 'approve', by: alice }, at(1))).toEqual({ ok: false, reason: 'conflict', current: undefined });
    let decided = 0;
    await expect(repo.update(r, () => (decided++, { event: { type: 'approve', by: alice } }), () => at(1))).rejects.toMatchObject({
      name: 'StoreError',
      code: 'REQUEST_NOT_FOUND',
      kind: 'not_found',
      message: `There is no access request ${r.id}.`,
    });
    expect(decided).toBe(1);
  });

  it('unknown ids are refused as not found, with the id named', async () => {
    const id = '01JD000000000000000000NONE';
    await expect(repo.update(id, () => ({ audit: [{ key: 'note:x', kind: 'note' }] }), () => T0)).rejects.toMatchObject({ code: 'REQUEST_NOT_FOUND', kind: 'not_found', message: `There is no access request ${id}.` });
    await expect(repo.require(id)).rejects.toMatchObject({ code: 'REQUEST_NOT_FOUND', kind: 'not_found', message: `There is no access request ${id}.` });
    expect(await repo.auditEvents(id)).toEqual({ request: undefined, events: [] });
  });

  it('a second create of the same id is refused and leaves the first as it was', async () => {
    const r = await repo.create(newRequest(T0), [requested]);
    await expect(repo.create({ ...r, reason: 'another reason entirely' })).rejects.toMatchObject({ name: 'StoreError', code: 'REQUEST_EXISTS', kind: 'conflict', message: `request ${r.id} already exists` });
    expect(await repo.require(r.id)).toEqual(r);
  });
});

describe('failures that are not conflicts', () => {
  it('pass through unchanged when the tables do not exist (not reported as a conflict or a duplicate)', async () => {
    const missing = createDynamo({ endpoint: env.endpoint, region: 'us-east-1', tablePrefix: 'absent-' });
    extraClients.push(missing);
    const nowhere = createRequestRepository({ dynamo: missing });
    const r = newRequest(T0);
    await expect(nowhere.create(r)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(nowhere.write({ ...r, audit: { seq: 0, hash: GENESIS_HASH, keys: [], archived: 0 } }, { event: { type: 'approve', by: alice } }, at(1))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
