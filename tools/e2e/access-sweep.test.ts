import { Redis } from 'ioredis';
import { createForwarderBastion } from '@dbre/drivers';
import { startTcpProxy, testServices, waitFor, type TcpProxy } from '@dbre/testing';
import { ALICE, BOB, CAROL, startAccessStack, type AccessStack } from './access-stack';
import { startPrivateRedis } from './private-redis';

describe('the reaper when things break', () => {
  describe('with MariaDB down during a revoke', () => {
    let proxy: TcpProxy;
    let stack: AccessStack;
    beforeAll(async () => {
      proxy = await startTcpProxy({ host: testServices.mysql.host, port: testServices.mysql.port });
      stack = await startAccessStack({ minuteMs: 2000, clusterEndpoint: { host: proxy.host, port: proxy.port } });
    });
    afterAll(async () => {
      proxy.up();
      await stack.close();
      await proxy.close();
    });

    it('retries the revoke and completes it once the database is back', async () => {
      const r = await stack.ask(ALICE, { durationMinutes: 1 });
      await stack.approve(r.id, BOB);
      const active = await stack.waitState(r.id, 'active');
      proxy.down();
      await waitFor(async () => ((await stack.queues.revoke.getJob(`revoke-${r.id}`))?.attemptsMade ?? 0) >= 2, { timeoutMs: 20_000, what: 'two failed revoke attempts' });
      expect((await stack.requests.get(r.id))?.state).toBe('revoking');
      expect(await stack.platformUsers()).toEqual([active.resources.dbUser]); // still there: nothing could reach the server
      proxy.up();
      const revoked = await stack.waitState(r.id, 'revoked', 30_000);
      expect(revoked.revokeReason).toBe('expired');
      expect(await stack.platformUsers()).toEqual([]);
      expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true });
    }, 60_000);
  });

  describe('with Redis flushed while grants are active', () => {
    let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
    let stack: AccessStack;
    beforeAll(async () => {
      redis = await startPrivateRedis();
      stack = await startAccessStack({ minuteMs: 2000, redisUrl: redis.url, sweepEveryMs: 500, stuckAfterMs: 2000, reviewExpiryMinutes: 1 });
    });
    afterAll(async () => {
      await stack.close();
      await redis.close();
    });

    it('still revokes every grant once it ends, from DynamoDB alone', async () => {
      const asked = await Promise.all([1, 2, 3].map(() => stack.ask(ALICE, { durationMinutes: 2 })));
      for (const r of asked) await stack.approve(r.id, BOB);
      const active = await Promise.all(asked.map((r) => stack.waitState(r.id, 'active', 60_000)));
      const admin = new Redis(redis.url);
      await admin.flushall();
      admin.disconnect();
      const revoked = await Promise.all(active.map((r) => stack.waitState(r.id, 'revoked', 20_000)));
      for (const r of revoked) {
        // Order and outcome (how late is the benchmark's business): never before the end, with a
        // complete chain (by the sweep, or by a revoke job the sweep re-created).
        expect(Date.parse(r.revokedAt!)).toBeGreaterThanOrEqual(Date.parse(r.endsAt!));
        expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true });
      }
      expect(await stack.platformUsers()).toEqual([]);
    }, 60_000);

    it('expires unreviewed requests and removes orphan users and forwarders, never a live grant', async () => {
      // A live grant on another inventory entry that reaches the same server must survive the orphan search.
      const live = await stack.ask(ALICE, { clusterId: 'proddb', durationMinutes: 10 });
      await stack.approve(live.id, BOB);
      await stack.approve(live.id, CAROL);
      const liveActive = await stack.waitState(live.id, 'active');
      const unreviewed = await stack.ask(ALICE);
      const orphanUser = `${stack.userPrefix}orphan_x1`;
      await stack.root.query('CREATE USER ?@? IDENTIFIED BY ?', [orphanUser, '%', 'Orphan-Pw-1234567890-abcdefghijkl']);
      // A forwarder record left open for a request that is over (e.g. written by a crashed run).
      const done = await stack.ask(ALICE, { durationMinutes: 1 });
      await stack.call(stack.requestApi, 'POST', `/v1/access-requests/${done.id}/cancel`, ALICE);
      const bastion = await createForwarderBastion({ dynamo: stack.dynamo, host: stack.host });
      const handle = await bastion.open({ requestId: done.id, requester: ALICE, clusterId: 'devdb', target: stack.endpoint, endsAt: new Date() });
      expect((await bastion.list()).map((b) => b.bastionId)).toContain(handle.bastionId);

      await stack.waitState(unreviewed.id, 'expired', 20_000);
      await waitFor(async () => !(await stack.platformUsers()).includes(orphanUser), { timeoutMs: 10_000, what: 'the orphan user to be dropped' });
      await waitFor(async () => !(await bastion.list()).some((b) => b.bastionId === handle.bastionId), { timeoutMs: 10_000, what: 'the orphan forwarder to be closed' });
      await waitFor(() => !stack.host!.listening().includes(handle.bastionId), { what: 'the listener to be gone' });
      expect((await stack.audit.list(done.id)).map((e) => e.kind)).toContain('orphan_removed');
      expect((await stack.audit.list(unreviewed.id)).map((e) => e.kind)).toEqual(['requested', 'expired']);
      expect(await stack.platformUsers()).toEqual([liveActive.resources.dbUser]);
      expect((await stack.requests.get(live.id))?.state).toBe('active');
    }, 60_000);
  });
});
