import type { AccessRequest } from '@dbre/domain';
import type { Bastion } from '@dbre/drivers';
import { createCompensation, type WorkerDeps } from '../src';
import { folderEvidence, localCluster, REQUESTER, startHarness, type Harness } from './harness';

// Provisioning that failed for good is compensated through the real services: what exists is
// removed (or named when it cannot be), `failed` with both events, and the requester is told.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h.close());

/** A request provisioned up to `step`, where a crash would have left it. */
const stoppedAfter = (step: 'claimed' | 'resources' | 'user', input: Record<string, unknown> = {}): Promise<AccessRequest> => h.provisionedUpTo(step, input);

describe('compensating provisioning that failed for good', () => {
  it('after the user was created: drops it, closes the bastion, deletes the secret, fails with both events and tells the requester', async () => {
    const r = await stoppedAfter('user');
    const user = r.resources.dbUser!;
    expect(await h.platformUsers()).toContain(user);
    expect(await createCompensation(h.deps).compensate(r.id, 'the cluster kept refusing connections', h.logger)).toBe('compensated');

    const failed = await h.requests.require(r.id);
    expect(failed).toMatchObject({ state: 'failed', failureReason: 'the cluster kept refusing connections' });
    expect(await h.platformUsers()).not.toContain(user);
    expect((await h.bastion.record(`fwd-${r.id}`))?.state).toBe('closed');
    expect(await h.secrets.get(`dbre/access/${r.id}`)).toBeUndefined();
    const removed = [`database user ${user} (dropped)`, `bastion fwd-${r.id}`, `secret dbre/access/${r.id}`];
    const events = await h.audit.list(r.id);
    expect(events.map((e) => e.kind)).toEqual(['requested', 'approved', 'provisioning_started', 'bastion_created', 'secret_stored', 'compensated', 'failed']);
    expect(events.slice(-2).map((e) => [e.actor, e.data])).toEqual([
      ['provisioner', { removed, notRemoved: [] }],
      ['provisioner', { reason: 'the cluster kept refusing connections' }],
    ]);
    expect(await h.audit.verifyChain(r.id)).toMatchObject({ ok: true });
    const told = await h.outbox.get(`failed-${r.id}`);
    expect(told).toMatchObject({ kind: 'failed', to: REQUESTER, requestId: r.id, data: { removed, notRemoved: [] } });
    expect(told?.text).toBe(
      `Your access request ${r.id} to devdb/${h.database} could not be provisioned: the cluster kept refusing connections. Everything provisioning had created was removed. Please ask again or contact the DBRE team.`,
    );
    expect(h.logLines().some((l) => l['level'] === 'warn' && l['msg'] === 'provisioning failed; compensated' && l['requestId'] === r.id)).toBe(true);
  });

  it('a second run changes nothing and says so', async () => {
    const r = await stoppedAfter('resources');
    const compensation = createCompensation(h.deps);
    expect(await compensation.compensate(r.id, 'first', h.logger)).toBe('compensated');
    const failed = await h.requests.require(r.id);
    expect(await compensation.compensate(r.id, 'second', h.logger)).toBe('not applicable');
    expect(await h.requests.require(r.id)).toMatchObject({ version: failed.version, failureReason: 'first' });
    expect(await compensation.compensate('01JACC0000000000000NOTHERE', 'x', h.logger)).toBe('not applicable');
    const live = await h.active();
    expect(await compensation.compensate(live.id, 'x', h.logger)).toBe('not applicable');
    expect((await h.requests.require(live.id)).state).toBe('active');
    expect(await h.platformUsers()).toContain(live.resources.dbUser);
  });

  it('an approved request not yet claimed: only the secret id is cleaned and the request fails', async () => {
    const r = await h.approved();
    expect(await createCompensation(h.deps).compensate(r.id, 'the cluster was decommissioned', h.logger)).toBe('compensated');
    const events = await h.audit.list(r.id);
    expect(events.at(-2)?.data).toEqual({ removed: [`secret dbre/access/${r.id}`], notRemoved: [] });
    expect((await h.requests.require(r.id)).state).toBe('failed');
  });

  it('a bastion opened but not recorded (the attempt died in between) is found by its request and closed', async () => {
    const r = await stoppedAfter('claimed');
    await h.bastion.open({ requestId: r.id, requester: REQUESTER, clusterId: 'devdb', target: { host: '127.0.0.1', port: 3306 }, endsAt: new Date(Date.now() + 60_000) });
    const other = await stoppedAfter('claimed');
    await h.bastion.open({ requestId: other.id, requester: REQUESTER, clusterId: 'devdb', target: { host: '127.0.0.1', port: 3306 }, endsAt: new Date(Date.now() + 60_000) });
    expect(await createCompensation(h.deps).compensate(r.id, 'gave up', h.logger)).toBe('compensated');
    expect((await h.bastion.record(`fwd-${r.id}`))?.state).toBe('closed');
    // Another request's bastion is not touched.
    expect((await h.bastion.record(`fwd-${other.id}`))?.state).toBe('open');
    expect((await h.audit.list(r.id)).at(-2)?.data).toEqual({ removed: [`bastion fwd-${r.id}`, `secret dbre/access/${r.id}`], notRemoved: [] });
  });

  it('the cluster is gone: the user is named as not checked, the rest removed, the requester told honestly and the team alerted', async () => {
    h.clusters.set('gonedb', localCluster('gonedb'));
    const r = await stoppedAfter('user', { clusterId: 'gonedb' });
    h.clusters.delete('gonedb');
    const user = r.resources.dbUser!;
    expect(await createCompensation(h.deps).compensate(r.id, 'cluster gonedb is no longer in the inventory', h.logger)).toBe('compensated');
    expect(await h.platformUsers()).toContain(user); // nothing could reach it
    const notRemoved = [`database user ${user} on gonedb: the cluster is no longer in the inventory, so the user could not be checked or dropped`];
    const removed = [`bastion fwd-${r.id}`, `secret dbre/access/${r.id}`];
    expect((await h.audit.list(r.id)).at(-2)?.data).toEqual({ removed, notRemoved });
    expect((await h.outbox.get(`failed-${r.id}`))?.text).toBe(
      `Your access request ${r.id} to gonedb/${h.database} could not be provisioned: cluster gonedb is no longer in the inventory. Removed: ${removed.join(', ')}. Could not be checked or removed: ${notRemoved[0]}. The DBRE team has been alerted. Please ask again or contact the DBRE team.`,
    );
    expect(h.logLines().some((l) => l['level'] === 'error' && l['msg'] === 'provisioning failed; compensation could not check or remove everything' && l['requestId'] === r.id)).toBe(true);
    await h.root.query('DROP USER IF EXISTS ?@?', [user, '%']);
  });

  it('a request that finished meanwhile (another worker) is left as it is: not applicable, nobody told', async () => {
    const r = await stoppedAfter('resources');
    // While compensation closes the bastion, another writer fails the request first.
    const bastion: Bastion = {
      ...h.bastion,
      close: async (id) => {
        await h.requests.applyTransitionOrThrow(await h.requests.require(r.id), { type: 'fail', reason: 'the other worker' }, new Date());
        await h.bastion.close(id);
      },
    };
    const deps: WorkerDeps = { ...h.deps, bastion };
    expect(await createCompensation(deps).compensate(r.id, 'mine', h.logger)).toBe('not applicable');
    expect((await h.requests.require(r.id)).failureReason).toBe('the other worker');
    expect(await h.outbox.get(`failed-${r.id}`)).toBeUndefined();
  });

  it('seals the evidence of a failed grant that had a user', async () => {
    const ev = await folderEvidence();
    try {
      const r = await stoppedAfter('user');
      await createCompensation({ ...h.deps, evidence: ev.evidence }).compensate(r.id, 'gave up', h.logger);
      expect((await h.audit.list(r.id)).at(-1)).toMatchObject({ kind: 'evidence_sealed', key: 'evidence_sealed:revoke' });
    } finally {
      await ev.cleanup();
    }
  });
});
