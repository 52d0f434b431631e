import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { hashAuditEvent } from '@dbre/domain';
import { createAuditLog, tableName, type AuditLog, type Dynamo } from '../src';
import { startDynamo } from './helpers';

let env: { dynamo: Dynamo; close: () => Promise<void> };
let audit: AuditLog;
let n = 0;
const rid = () => `01JD3M4Z7Q8R9S0T1V2W3X${String(++n).padStart(4, '0')}`;
beforeAll(async () => {
  env = await startDynamo();
  audit = createAuditLog({ dynamo: env.dynamo });
});
afterAll(() => env.close());

const steps = ['requested', 'approved', 'provisioning_started', 'bastion_created', 'user_created', 'secret_stored', 'credentials_delivered', 'activated'] as const;

describe('the audit log', () => {
  it('chains events: seq from 1, prevHash of the previous, own hash of canonical content', async () => {
    const id = rid();
    for (const kind of steps) await audit.append(id, { key: kind, kind, actor: 'provisioner', data: { dbUser: 'jit_dave_x', nested: { b: 2, a: 1 } } });
    const events = await audit.list(id);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events[0]!.prevHash).toBe('0'.repeat(64));
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    for (const e of events) expect(hashAuditEvent(e)).toBe(e.hash);
    expect(await audit.verifyChain(id)).toEqual({ ok: true, count: 8, headHash: events[7]!.hash });
  });

  it('appending a key twice (a retried step) returns the first event and writes nothing', async () => {
    const id = rid();
    const a = await audit.append(id, { key: 'user_created', kind: 'user_created', data: { dbUser: 'u1' } });
    const b = await audit.append(id, { key: 'user_created', kind: 'user_created', data: { dbUser: 'u1' } });
    expect(b).toEqual(a);
    expect(await audit.list(id)).toHaveLength(1);
  });

  it('concurrent appends interleave into one chain without forks or duplicates', async () => {
    const id = rid();
    const keys = Array.from({ length: 12 }, (_, i) => `note:${i}`);
    await Promise.all([...keys, ...keys].map((key) => audit.append(id, { key, kind: 'note', data: { key } })));
    const events = await audit.list(id);
    expect(events).toHaveLength(12);
    expect(new Set(events.map((e) => e.key)).size).toBe(12);
    expect(await audit.verifyChain(id)).toMatchObject({ ok: true, count: 12 });
  });

  it('names the first tampered event', async () => {
    const id = rid();
    for (const kind of steps) await audit.append(id, { key: kind, kind, data: { step: kind } });
    await env.dynamo.doc.send(
      new UpdateCommand({
        TableName: tableName(env.dynamo.tablePrefix, 'audit'),
        Key: { requestId: id, seq: 5 },
        UpdateExpression: 'SET #d.#s = :v',
        ExpressionAttributeNames: { '#d': 'data', '#s': 'step' },
        ExpressionAttributeValues: { ':v': 'nothing happened' },
      }),
    );
    expect(await audit.verifyChain(id)).toMatchObject({ ok: false, count: 8, brokenAt: { seq: 5, key: 'user_created' }, problem: expect.stringContaining('altered') });
  });

  it('refuses secrets, unknown kinds and malformed keys before writing', async () => {
    const id = rid();
    await expect(audit.append(id, { key: 'user_created', kind: 'user_created', data: { dbUser: 'u', password: 'hunter2' } })).rejects.toMatchObject({ code: 'AUDIT_SECRET_FIELD' });
    await expect(audit.append(id, { key: 'x', kind: 'made_up' as never })).rejects.toThrow(/unknown audit kind/);
    await expect(audit.append(id, { key: 'has space', kind: 'note' })).rejects.toThrow(/audit key/);
    expect(await audit.list(id)).toHaveLength(0);
  });

  it('an unknown request has an empty, trivially intact chain', async () => {
    expect(await audit.verifyChain(rid())).toMatchObject({ ok: true, count: 0 });
  });
});
