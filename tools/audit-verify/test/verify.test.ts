import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startTestDynamo } from '@dbre/testing';
import { createAuditLog, tableName, type AuditLog } from '@dbre/store';
import type { AccessRequest } from '@dbre/domain';
import { verifyRequests } from '../src/verify';

let env: Awaited<ReturnType<typeof startTestDynamo>>;
let audit: AuditLog;
beforeAll(async () => {
  env = await startTestDynamo();
  audit = createAuditLog({ dynamo: env.dynamo });
});
afterAll(() => env.close());

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('npm run audit:verify', () => {
  it('reports an intact chain and exits 0', async () => {
    for (const kind of ['requested', 'approved', 'activated'] as const) await audit.append('R-OK', { key: kind, kind });
    const o = io();
    expect(await verifyRequests(audit, ['R-OK'], o.io)).toBe(0);
    expect(o.out).toEqual([expect.stringMatching(/^R-OK: chain intact, 3 events, head [0-9a-f]{64}$/)]);
  });

  it('names the first broken link and exits 1', async () => {
    for (const kind of ['requested', 'approved', 'activated', 'revoked'] as const) await audit.append('R-BAD', { key: kind, kind, data: { step: kind } });
    await env.dynamo.doc.send(
      new UpdateCommand({ TableName: tableName(env.dynamo.tablePrefix, 'audit'), Key: { requestId: 'R-BAD', seq: 2 }, UpdateExpression: 'SET actor = :a', ExpressionAttributeValues: { ':a': 'mallory' } }),
    );
    const o = io();
    expect(await verifyRequests(audit, ['R-OK', 'R-BAD'], o.io)).toBe(1);
    expect(o.out[1]).toMatch(/^R-BAD: BROKEN at event 2 \(approved\): content does not match its hash/);
    const j = io();
    await verifyRequests(audit, ['R-BAD', '--json'], j.io);
    expect(JSON.parse(j.out[0]!)).toMatchObject({ requestId: 'R-BAD', ok: false, brokenAt: { seq: 2, key: 'approved' } });
  });

  it('flags a finished request whose chain lacks its final event (tail removed)', async () => {
    for (const kind of ['requested', 'approved', 'activated'] as const) await audit.append('R-CUT', { key: kind, kind });
    const finished = { state: 'revoked' } as AccessRequest;
    const o = io();
    expect(await verifyRequests(audit, ['R-CUT'], o.io, async () => finished)).toBe(1);
    expect(o.out[0]).toMatch(/^R-CUT: INCOMPLETE, 3 events: request is revoked but the chain has no "revoked" event/);
    await audit.append('R-CUT', { key: 'revoked', kind: 'revoked' });
    expect(await verifyRequests(audit, ['R-CUT'], io().io, async () => finished)).toBe(0);
  });

  it('treats an unknown id as a failure and no id as usage', async () => {
    const o = io();
    expect(await verifyRequests(audit, ['NOPE'], o.io)).toBe(1);
    expect(o.out[0]).toMatch(/no audit events/);
    expect(await verifyRequests(audit, [], o.io)).toBe(2);
    expect(o.err[0]).toMatch(/usage/);
  });
});
