import { ACCESS_JOB_IDS, enqueue } from '@dbre/queue';
import { waitFor } from '@dbre/testing';
import { createAccessWorkers, type AccessWorkers } from '../src';
import { folderEvidence, startHarness, withMethods, type Harness } from './harness';

// The queue workers of each role on a real Redis, processing real jobs against the real store,
// MariaDB and the forwarder bastion.

let h: Harness;
const running: AccessWorkers[] = [];
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
const stopRunning = async () => {
  for (const w of running.splice(0)) {
    w.stop();
    await Promise.all(w.workers.map((x) => x.close()));
  }
};
afterEach(stopRunning);
afterAll(() => h.close());

const base = () => ({ connection: h.redis, prefix: h.prefix, logger: h.logger, deps: h.deps });

describe('the access workers', () => {
  it('the provisioner runs provision jobs only, with its concurrency and lock, and provisions a request', async () => {
    const w = await createAccessWorkers({ ...base(), role: 'provisioner', concurrency: 3, lockMs: 4000 });
    running.push(w);
    expect(w.workers.map((x) => x.name)).toEqual(['provision']);
    expect(w.workers[0]!.opts).toMatchObject({ concurrency: 3, lockDuration: 4000, stalledInterval: 4000, prefix: h.prefix });
    expect(w.stop()).toBeUndefined();
    const r = await h.approved();
    await enqueue(h.queues.provision, { requestId: r.id }, { jobId: ACCESS_JOB_IDS.provision(r.id) });
    await waitFor(async () => (await h.requests.get(r.id))?.state === 'active', { timeoutMs: 20_000, what: 'the request to become active' });
  });

  it('the reaper refuses to start without its sweep settings', async () => {
    await expect(createAccessWorkers({ ...base(), role: 'reaper', concurrency: 1, lockMs: 4000 })).rejects.toThrow(new TypeError('the reaper needs its sweep queue and settings'));
  });

  it('the reaper runs revoke, warn, sweep and renotify jobs, creates the sweep scheduler and processes a revoke', async () => {
    const w = await createAccessWorkers({ ...base(), role: 'reaper', concurrency: 2, lockMs: 4000, sweep: { queue: h.sweepQueue, everyMs: 600_000, stuckAfterMs: 60_000 } });
    running.push(w);
    expect(w.workers.map((x) => x.name)).toEqual(['revoke', 'warn', 'sweep', 'renotify']);
    expect(w.workers.map((x) => x.opts.concurrency)).toEqual([2, 2, 1, 2]);
    expect(w.workers.every((x) => x.opts.lockDuration === 4000 && x.opts.stalledInterval === 4000)).toBe(true);
    const scheduler = await h.sweepQueue.getJobScheduler(ACCESS_JOB_IDS.sweepScheduler);
    expect(scheduler).toMatchObject({ every: 600_000, name: 'sweep' });
    expect(h.logLines().filter((l) => l['msg'] === 'sweep job scheduler created')).toEqual([expect.objectContaining({ everyMs: 600_000 })]);

    // A revoke job is processed.
    const r = await h.active({ durationMinutes: 30 });
    await enqueue(h.queues.revoke, { requestId: r.id, reason: 'ended_by_requester' }, { jobId: `${ACCESS_JOB_IDS.revoke(r.id)}-now` });
    await waitFor(async () => (await h.requests.get(r.id))?.state === 'revoked', { timeoutMs: 20_000, what: 'the grant to be revoked' });
  });

  it('the watchdog re-creates a lost sweep scheduler; once stopped it does not', async () => {
    await h.sweepQueue.removeJobScheduler(ACCESS_JOB_IDS.sweepScheduler);
    const created = h.logLines().length;
    const w = await createAccessWorkers({ ...base(), role: 'reaper', concurrency: 1, lockMs: 4000, sweep: { queue: h.sweepQueue, everyMs: 300, stuckAfterMs: 60_000 } });
    running.push(w);
    await h.sweepQueue.removeJobScheduler(ACCESS_JOB_IDS.sweepScheduler);
    await waitFor(async () => (await h.sweepQueue.getJobScheduler(ACCESS_JOB_IDS.sweepScheduler)) !== undefined, { timeoutMs: 10_000, what: 'the scheduler to come back' });
    // The sweep runs from the scheduler's jobs.
    await waitFor(async () => (await h.sweepQueue.getCompletedCount()) > 0, { timeoutMs: 10_000, what: 'a sweep to complete' });
    w.stop();
    // Created at the start and once after the loss; the watchdog's other checks found it there.
    expect(h.logLines().slice(created).filter((l) => l['msg'] === 'sweep job scheduler created')).toHaveLength(2);
    await h.sweepQueue.removeJobScheduler(ACCESS_JOB_IDS.sweepScheduler);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await h.sweepQueue.getJobScheduler(ACCESS_JOB_IDS.sweepScheduler)).toBeUndefined();
  });

  it('with evidence and a seal queue the reaper seals in seal jobs, one at a time unless configured', async () => {
    const ev = await folderEvidence();
    try {
      const deps = { ...h.deps, evidence: ev.evidence, queues: { ...h.queues, seal: h.sealQueue } };
      const w = await createAccessWorkers({ ...base(), deps, role: 'reaper', concurrency: 2, lockMs: 4000, sweep: { queue: h.sweepQueue, everyMs: 600_000, stuckAfterMs: 60_000 } });
      running.push(w);
      expect(w.workers.map((x) => [x.name, x.opts.concurrency])).toEqual([['revoke', 2], ['warn', 2], ['sweep', 1], ['seal', 1], ['renotify', 2]]);
      const r = await h.active({ durationMinutes: 30 });
      await enqueue(h.queues.revoke, { requestId: r.id, reason: 'ended_by_requester' }, { jobId: `${ACCESS_JOB_IDS.revoke(r.id)}-now` });
      await waitFor(async () => (await h.requests.get(r.id))?.audit?.keys.includes('evidence_sealed:revoke'), { timeoutMs: 20_000, what: 'the seal job to seal the evidence' });
      expect((await h.kinds(r.id)).slice(-2)).toEqual(['revoked', 'evidence_sealed']);
      expect(await (await h.sealQueue.getJob(`seal-${r.id}-revoke`))?.getState()).toBe('completed');

      const more = await createAccessWorkers({ ...base(), deps, role: 'reaper', concurrency: 1, sealConcurrency: 3, lockMs: 4000, sweep: { queue: h.sweepQueue, everyMs: 600_000, stuckAfterMs: 60_000 } });
      running.push(more);
      expect(more.workers.find((x) => x.name === 'seal')?.opts.concurrency).toBe(3);
    } finally {
      // The workers first: a sweep may still be writing its anchor into the folder (ENOTEMPTY, seen).
      await stopRunning();
      await ev.cleanup();
    }
  });

  it('without a renotify queue the reaper has no renotify worker', async () => {
    const { renotify: _none, ...queues } = h.deps.queues;
    const w = await createAccessWorkers({ ...base(), deps: { ...h.deps, queues }, role: 'reaper', concurrency: 1, lockMs: 4000, sweep: { queue: h.sweepQueue, everyMs: 600_000, stuckAfterMs: 60_000, amiAlertDays: 10 } });
    running.push(w);
    expect(w.workers.map((x) => x.name)).toEqual(['revoke', 'warn', 'sweep']);
  });

  it('a seal queue without evidence settings gives no seal worker', async () => {
    const w = await createAccessWorkers({ ...base(), deps: { ...h.deps, queues: { ...h.queues, seal: h.sealQueue } }, role: 'reaper', concurrency: 1, lockMs: 4000, sweep: { queue: h.sweepQueue, everyMs: 600_000, stuckAfterMs: 60_000 } });
    running.push(w);
    expect(w.workers.map((x) => x.name)).toEqual(['revoke', 'warn', 'sweep', 'renotify']);
  });

  it('the watchdog warns when it cannot reach the scheduler, and the sweep runs with the configured image-age alert', async () => {
    let checks = 0;
    const flaky = withMethods(h.sweepQueue, {
      getJobScheduler: async (id: string) => {
        if (++checks > 1) throw new Error('Redis is unreachable');
        return h.sweepQueue.getJobScheduler(id);
      },
    });
    const bastion = { ...h.bastion, amiAges: async () => [{ bastionId: 'i-0old', requestId: 'r', region: 'eu-west-1', imageId: 'ami-1', ageDays: 15, newest: true }] };
    const before = h.logLines().length;
    const w = await createAccessWorkers({ ...base(), deps: { ...h.deps, bastion }, role: 'reaper', concurrency: 1, lockMs: 4000, sweep: { queue: flaky, everyMs: 50, stuckAfterMs: 60_000, amiAlertDays: 10 } });
    running.push(w);
    await waitFor(async () => h.logLines().slice(before).some((l) => l['msg'] === 'cannot check the sweep scheduler'), { timeoutMs: 10_000, what: 'the watchdog to warn' });
    expect(h.logLines().slice(before).find((l) => l['msg'] === 'cannot check the sweep scheduler')?.['err']).toMatchObject({ message: 'Redis is unreachable' });
    // A sweep job: 15 days is past the configured 10 (the default, 30, would not alert).
    await h.sweepQueue.add('sweep', {}, { jobId: 'sweep-now' });
    await waitFor(async () => h.logLines().slice(before).some((l) => l['msg'] === 'bastions on an old or superseded image'), { timeoutMs: 20_000, what: 'the sweep to flag the bastion' });
    expect(h.logLines().slice(before).find((l) => l['msg'] === 'bastions on an old or superseded image')?.['alertDays']).toBe(10);
  });
});
