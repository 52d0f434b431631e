import { randomBytes } from 'node:crypto';
import type { ClusterTarget } from '@dbre/drivers';
import { startTcpProxy, testServices, waitFor, type TcpProxy } from '@dbre/testing';
import { ALICE, BOB, startAccessStack, type AccessStack } from './access-stack';

// Provisioning that cannot finish is compensated through the real services: whatever it created is
// removed (or named when it cannot be), the request ends `failed` with its events, the requester is told.

const admin = { user: testServices.mysql.user, password: testServices.mysql.password };

describe('compensation of provisioning that cannot finish', () => {
  let stack: AccessStack;
  let proxy: TcpProxy;
  const weak = `w${randomBytes(3).toString('hex')}_adm`;
  const weakPassword = `Weak-${randomBytes(12).toString('hex')}`;
  let removeAfterUser: string | undefined;
  let downAfterResources: string | undefined;

  beforeAll(async () => {
    proxy = await startTcpProxy({ host: testServices.mysql.host, port: testServices.mysql.port });
    const direct = { host: testServices.mysql.host, port: testServices.mysql.port };
    const extra: ClusterTarget[] = [
      // Reached through a proxy the test takes down.
      { id: 'flakydb', environment: 'dev', engine: 'mariadb', endpoint: { host: proxy.host, port: proxy.port }, instances: [], admin },
      // Its admin may create users but not grant SHOW VIEW: the database refuses the GRANT.
      { id: 'weakdb', environment: 'dev', engine: 'mariadb', endpoint: direct, instances: [], admin: { user: weak, password: weakPassword } },
      // Removed from the inventory while a request is being provisioned.
      { id: 'gonedb', environment: 'dev', engine: 'mariadb', endpoint: direct, instances: [], admin },
    ];
    stack = await startAccessStack({
      minuteMs: 2000,
      sweepEveryMs: 500,
      stuckAfterMs: 1500,
      extraClusters: extra,
      onStep: (step, requestId) => {
        if (step === 'resources' && requestId === downAfterResources) proxy.down();
        if (step !== 'user' || requestId !== removeAfterUser) return;
        stack.forgetCluster('gonedb');
        throw new Error('the worker lost its way to gonedb'); // this attempt fails; the retry finds no cluster
      },
    });
    await stack.root.query('DROP USER IF EXISTS ?@?', [weak, '%']);
    await stack.root.query('CREATE USER ?@? IDENTIFIED BY ?', [weak, '%', weakPassword]);
    await stack.root.query('GRANT SELECT, CREATE USER, PROCESS, RELOAD ON *.* TO ?@? WITH GRANT OPTION', [weak, '%']);
  }, 60_000);
  afterAll(async () => {
    proxy.up();
    await stack.root.query('DROP USER IF EXISTS ?@?', [weak, '%']);
    await stack.close();
    await proxy.close();
  });

  const failedMessage = async (id: string) => (await stack.outbox.list(ALICE)).find((m) => m.id === `failed-${id}`);

  it('the database refuses the GRANT: no retries, nothing left, failed with both events, the requester told', async () => {
    const r = await stack.ask(ALICE, { clusterId: 'weakdb' });
    await stack.approve(r.id, BOB);
    const failed = await stack.waitState(r.id, 'failed', 30_000);
    expect(failed.failureReason).toMatch(/refused the GRANT/);
    // Not retried: the job failed on its first attempt (it is marked failed just after the compensation's write).
    await waitFor(async () => (await (await stack.queues.provision.getJob(`provision-${r.id}`))?.isFailed()) === true, { what: 'the provision job to fail' });
    expect((await stack.queues.provision.getJob(`provision-${r.id}`))?.attemptsMade).toBe(1);
    expect(await stack.platformUsers()).toEqual([]);
    expect(await stack.secrets.get(failed.resources.secretId!)).toBeUndefined();
    await waitFor(() => !stack.host!.listening().includes(failed.resources.bastionId!), { what: 'the forwarder to be closed' });
    const events = await stack.audit.list(r.id);
    expect(events.map((e) => e.kind)).toEqual(['requested', 'approved', 'provisioning_started', 'bastion_created', 'secret_stored', 'compensated', 'failed']);
    expect(events[5]!.data).toMatchObject({ notRemoved: [] });
    expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true });
    expect((await failedMessage(r.id))?.text).toMatch(/could not be provisioned: .*refused the GRANT.*Everything provisioning had created was removed/);
  }, 60_000);

  it('the cluster disappears: what could not be checked is named, not "nothing left behind"; the sweep drops the user once the cluster is back', async () => {
    const r = await stack.ask(ALICE, { clusterId: 'gonedb' });
    removeAfterUser = r.id;
    await stack.approve(r.id, BOB);
    const failed = await stack.waitState(r.id, 'failed', 30_000);
    const user = failed.resources.dbUser!;
    expect(failed.failureReason).toMatch(/no longer in the inventory/);
    expect(await stack.platformUsers()).toContain(user); // nothing could reach it
    const compensated = (await stack.audit.list(r.id)).find((e) => e.kind === 'compensated');
    expect(compensated?.data['notRemoved']).toEqual([expect.stringContaining(`database user ${user} on gonedb`)]);
    const text = (await failedMessage(r.id))?.text ?? '';
    expect(text).toContain('Could not be checked or removed');
    expect(text).toContain(user);
    expect(text).not.toMatch(/nothing was left behind/i);
    expect(await stack.secrets.get(failed.resources.secretId!)).toBeUndefined();

    stack.restoreCluster('gonedb');
    await waitFor(async () => !(await stack.platformUsers()).includes(user), { timeoutMs: 20_000, what: 'the sweep to drop the orphan user' });
  }, 60_000);

  it('the database goes away for good: retries run out, compensation waits for it, the sweep finishes it once it is back', async () => {
    const r = await stack.ask(ALICE, { clusterId: 'flakydb' });
    downAfterResources = r.id; // the user's name is recorded, then the database stops answering
    await stack.approve(r.id, BOB);
    const given = await waitFor(async () => {
      const job = await stack.queues.provision.getJob(`provision-${r.id}`);
      if (await job?.isFailed()) return job;
      // Each retry would wait out the queue's backoff (0.5 s doubling: 63.5 s over the 8 attempts),
      // which this test does not check: a waiting retry is run now. Every attempt still runs.
      if (await job?.isDelayed()) await job?.promote().catch(() => undefined); // it may have just left the delayed set
      return undefined;
    }, { timeoutMs: 150_000, intervalMs: 100, what: 'the provision job to give up' });
    expect(given.attemptsMade).toBe(8);
    expect((await stack.requests.get(r.id))?.state).toBe('provisioning'); // compensation itself needs the database
    proxy.up();
    const failed = await stack.waitState(r.id, 'failed', 30_000);
    expect(failed.failureReason).toMatch(/provisioning stopped \(job failed\)/);
    expect(await stack.platformUsers()).toEqual([]);
    expect((await stack.audit.list(r.id)).slice(-2).map((e) => e.kind)).toEqual(['compensated', 'failed']);
    expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true });
  }, 200_000);

  it('the sweep resumes provisioning whose job was lost', async () => {
    await stack.queues.provision.pause();
    const r = await stack.ask(ALICE);
    await stack.approve(r.id, BOB);
    await stack.queues.provision.remove(`provision-${r.id}`); // Redis lost it
    await stack.queues.provision.resume();
    const active = await stack.waitState(r.id, 'active', 30_000);
    expect(await stack.platformUsers()).toEqual([active.resources.dbUser]);
    expect((await stack.audit.list(r.id)).map((e) => e.kind)).toEqual(['requested', 'approved', 'provisioning_started', 'bastion_created', 'secret_stored', 'user_created', 'credentials_delivered', 'activated']);
  }, 60_000);
});
