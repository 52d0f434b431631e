import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { register } from 'prom-client';
import { createRequestRepository, QUARANTINE_METRIC, tableName, type Dynamo, type RequestRepository } from '../src';
import { newRequest, startDynamo } from './helpers';

const T0 = new Date('2026-11-25T10:00:00.000Z');

let env: { dynamo: Dynamo; close: () => Promise<void> };
let repo: RequestRepository;
const warnings: Array<{ obj: Record<string, unknown>; msg: string | undefined }> = [];
beforeAll(async () => {
  env = await startDynamo();
  repo = createRequestRepository({ dynamo: env.dynamo, logger: { warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) } });
});
afterAll(() => env.close());

const quarantinedCount = async (): Promise<number> => {
  const metric = (await register.getMetricsAsJSON()).find((m) => m.name === QUARANTINE_METRIC);
  return (metric?.values ?? []).filter((v) => v.labels['table'] === 'requests').reduce((sum, v) => sum + v.value, 0);
};

describe('a stored record that does not match the schema is quarantined (finding 3)', () => {
  it('is skipped by listings, logged with its key, counted, listed for operators, and named by get', async () => {
    const good = newRequest(T0, 'erin@example.com');
    await repo.create(good);
    // What the prototype-name bug stored: profile "constructor" with no privileges.
    const bad = { ...newRequest(new Date(T0.getTime() + 1000), 'erin@example.com'), profile: 'toString', privileges: [] as string[] };
    await env.dynamo.doc.send(new PutCommand({ TableName: tableName(env.dynamo.tablePrefix, 'requests'), Item: { ...bad, requesterId: 'erin@example.com' } }));
    const before = await quarantinedCount();

    const byState = await repo.listByState('requested');
    expect(byState.items.map((r) => r.id)).toContain(good.id);
    expect(byState.items.map((r) => r.id)).not.toContain(bad.id);
    const mine = await repo.listByRequester('erin@example.com');
    expect(mine.items.map((r) => r.id)).toEqual([good.id]);

    expect(await quarantinedCount()).toBe(before + 2);
    expect(warnings.find((w) => w.obj['key'] === bad.id)).toMatchObject({ msg: expect.stringContaining('quarantined'), obj: { problems: expect.arrayContaining([expect.stringMatching(/^profile: /), expect.stringMatching(/^privileges: /)]) } });

    await expect(repo.get(bad.id)).rejects.toMatchObject({ code: 'REQUEST_QUARANTINED', kind: 'conflict', message: expect.stringContaining(`Access request ${bad.id} is quarantined`) });
    await expect(repo.applyEvent(bad.id, { type: 'cancel', by: { email: 'erin@example.com' } }, T0)).rejects.toMatchObject({ code: 'REQUEST_QUARANTINED' });

    const listed = await repo.listQuarantined();
    expect(listed.map((q) => q.id)).toEqual([bad.id]);
    expect(listed[0]!.problems.join(' ')).not.toContain('toString');
  });
});
