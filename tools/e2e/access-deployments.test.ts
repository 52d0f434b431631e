import { randomBytes } from 'node:crypto';
import { ACCESS_JOB_IDS } from '@dbre/queue';
import { waitFor } from '@dbre/testing';
import { ALICE, BOB, startAccessStack, type AccessStack } from './access-stack';

// Finding 4: two deployments (or two local stacks) on one MariaDB and one Redis, same policy
// prefix, different deployment ids. Deployment `ab` starts with `a`: the prefixes must not nest.
describe('two deployments sharing a database server and a Redis', () => {
  const basePrefix = `s${randomBytes(2).toString('hex')}_`;
  let a: AccessStack;
  let b: AccessStack;
  beforeAll(async () => {
    a = await startAccessStack({ minuteMs: 2000, userPrefix: basePrefix, deploymentId: 'a', reaper: true, sweepEveryMs: 300 });
    b = await startAccessStack({ minuteMs: 2000, userPrefix: basePrefix, deploymentId: 'ab', reaper: true, sweepEveryMs: 300 });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('each sweep removes only its own orphans and never the other deployment\'s users or jobs', async () => {
    expect([a.userPrefix, b.userPrefix]).toEqual([`${basePrefix}a_`, `${basePrefix}ab_`]);
    const inA = await a.ask(ALICE, { durationMinutes: 10 });
    await a.approve(inA.id, BOB);
    const inB = await b.ask(ALICE, { durationMinutes: 10 });
    await b.approve(inB.id, BOB);
    const activeA = await a.waitState(inA.id, 'active');
    const activeB = await b.waitState(inB.id, 'active');
    expect(activeA.resources.dbUser?.startsWith(a.userPrefix)).toBe(true);
    expect(activeB.resources.dbUser?.startsWith(b.userPrefix)).toBe(true);

    const orphanA = `${a.userPrefix}orphan_x1`;
    await a.root.query('CREATE USER ?@? IDENTIFIED BY ?', [orphanA, '%', 'Orphan-Pw-1234567890-abcdefghijkl']);
    await waitFor(async () => !(await a.platformUsers()).includes(orphanA), { timeoutMs: 10_000, what: "deployment a's orphan to be dropped" });
    // Several sweeps of both deployments have run by now.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await a.platformUsers()).toEqual([activeA.resources.dbUser]);
    expect(await b.platformUsers()).toEqual([activeB.resources.dbUser]);
    expect((await a.requests.get(inA.id))?.state).toBe('active');
    expect((await b.requests.get(inB.id))?.state).toBe('active');

    // Separate queue prefixes on the one Redis: neither sees the other's jobs.
    expect(await a.queues.revoke.getJob(ACCESS_JOB_IDS.revoke(inA.id))).toBeDefined();
    expect(await a.queues.revoke.getJob(ACCESS_JOB_IDS.revoke(inB.id))).toBeUndefined();
    expect(await b.queues.revoke.getJob(ACCESS_JOB_IDS.revoke(inB.id))).toBeDefined();
    expect(await b.queues.revoke.getJob(ACCESS_JOB_IDS.revoke(inA.id))).toBeUndefined();
  }, 60_000);
});
