import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { tableName } from '@dbre/store';
import { ALICE, BOB, startAccessStack, type AccessStack } from './access-stack';

// Issue 13 findings 1-3 through request-api, as a requester and an operator meet them.
describe('request-api at the trust boundaries', () => {
  let stack: AccessStack;
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, reviewExpiryMinutes: 1, sweepEveryMs: 300 });
  }, 60_000);
  afterAll(() => stack?.close());

  const ask = (body: Record<string, unknown>) =>
    stack.call(stack.requestApi, 'POST', '/v1/access-requests', ALICE, { clusterId: 'devdb', profile: 'read', durationMinutes: 1, reason: 'investigate ticket OPS-1234 slow queries', ...body });

  it('refuses a database that does not exist on the cluster, wildcard look-alikes included', async () => {
    for (const database of ['_', '__', `${stack.databases.granted.slice(0, -1)}_`, `${stack.databases.granted}x`]) {
      const res = await ask({ database });
      expect({ database, status: res.status, code: res.body.code }).toEqual({ database, status: 400, code: 'DATABASE_NOT_FOUND' });
    }
  });

  it('refuses * and the system schemas, and prototype names as profiles', async () => {
    for (const [database, profile] of [
      ['mysql', 'write'],
      ['*', 'write'],
      ['*', 'read'],
      ['information_schema', 'read'],
    ]) {
      const res = await ask({ database, profile });
      expect({ database, status: res.status, code: res.body.code }).toEqual({ database, status: 400, code: 'REQUEST_INVALID' });
    }
    for (const profile of ['constructor', '__proto__', 'toString']) {
      const res = await ask({ database: stack.databases.granted, profile });
      expect({ profile, status: res.status, code: res.body.code }).toEqual({ profile, status: 400, code: 'REQUEST_INVALID' });
    }
  });

  it('refuses a cursor it did not give out with a 400 naming the cursor, never a 500', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const hostile = ['%%%', 'not base64 at all!', b64('{'), b64('[]'), b64('null'), b64('"id"'), b64('{}'), b64('{"id":{"S":"x"}}'), b64('{"nope":"x"}'), 'x'.repeat(2000)];
    for (const cursor of hostile) {
      const res = await stack.call(stack.requestApi, 'GET', `/v1/access-requests?state=requested&cursor=${encodeURIComponent(cursor)}`, ALICE);
      expect({ cursor, status: res.status, code: res.body.code }).toEqual({ cursor, status: 400, code: 'CURSOR_INVALID' });
    }
    // The cursor a listing gave out still pages.
    await ask({ database: stack.databases.granted });
    await ask({ database: stack.databases.granted });
    const first = await stack.call(stack.requestApi, 'GET', `/v1/access-requests?state=requested&limit=1`, ALICE);
    const cursor = (first.body as { cursor?: string }).cursor;
    expect(typeof cursor).toBe('string');
    const next = await stack.call(stack.requestApi, 'GET', `/v1/access-requests?state=requested&limit=1&cursor=${encodeURIComponent(cursor!)}`, ALICE);
    expect(next.status).toBe(200);
  }, 30_000);

  it('quarantines a bad stored record: get names it, operators list it, the sweep goes on', async () => {
    const good = (await ask({ database: stack.databases.granted })).body as { id: string };
    const template = (await ask({ database: stack.databases.granted })).body as Record<string, unknown>;
    const bad = { ...template, id: '01M8TZZZZZZZZZZZZZZZZZZZZZ', profile: 'toString', privileges: [], requesterId: ALICE };
    await stack.dynamo.doc.send(new PutCommand({ TableName: tableName(stack.dynamo.tablePrefix, 'requests'), Item: bad }));

    const got = await stack.call(stack.requestApi, 'GET', `/v1/access-requests/${bad.id}`, ALICE);
    expect(got.status).toBe(409);
    expect(got.body).toMatchObject({ code: 'REQUEST_QUARANTINED', detail: expect.stringContaining(`${bad.id} is quarantined`) });
    const cancel = await stack.call(stack.requestApi, 'POST', `/v1/access-requests/${bad.id}/cancel`, ALICE);
    expect(cancel.body.code).toBe('REQUEST_QUARANTINED');
    const listed = await stack.call(stack.requestApi, 'GET', `/v1/quarantined-requests`, BOB);
    expect(listed.status).toBe(200);
    expect((listed.body as unknown as { items: Array<{ id: string }> }).items.map((q) => q.id)).toEqual([bad.id]);
    const mine = await stack.call(stack.requestApi, 'GET', `/v1/access-requests?requester=${ALICE}&state=requested`, ALICE);
    expect(mine.status).toBe(200);
    expect((mine.body as unknown as { items: Array<{ id: string }> }).items.map((r) => r.id)).toContain(good.id);
    // The sweep keeps working around it: the unreviewed good request expires on time.
    await stack.waitState(good.id, 'expired', 20_000);
    const quarantineLines = stack.logText().split('\n').filter((l) => l.includes('stored request quarantined'));
    expect(quarantineLines.length).toBeGreaterThan(0);
    expect(quarantineLines.every((l) => l.includes(`"key":"${bad.id}"`))).toBe(true);
  }, 60_000);
});
