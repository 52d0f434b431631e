import { closeRedis, closeWorker, createQueue, createRedis, createWorker, enqueue, UnrecoverableError } from '@dbre/queue';
import { testServices, waitFor } from '@dbre/testing';
import type { Worker } from 'bullmq';
import { ADMIN, VIEWER, aRequest, basic, startHarness, type Harness } from './helpers';

describe('queue boards and metrics', () => {
  let h: Harness;
  const workerRedis = createRedis(testServices.redisUrl, 'worker');
  let worker: Worker | undefined;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    if (worker) await closeWorker(worker, 5000);
    await closeRedis(workerRedis);
    await h.close();
  });

  const call = (method: 'GET' | 'PUT', url: string, who = VIEWER, headers: Record<string, string> = {}) =>
    h.app.inject({ method, url, headers: { authorization: basic(who), ...headers } });

  it('shows every catalog queue read-only to viewers and lets only admins retry, from the board itself', async () => {
    const provision = createQueue('provision', h.redis, { prefix: h.queuePrefix });
    await enqueue(provision, { requestId: 'will-fail' }, { jobId: 'provision-will-fail', attempts: 1 });
    await enqueue(provision, { requestId: 'ok' }, { jobId: 'provision-ok' });
    worker = createWorker(
      'provision',
      async (payload) => {
        if (payload.requestId === 'will-fail') throw new UnrecoverableError('cluster 壊れた is gone');
        return { done: true };
      },
      { connection: workerRedis, logger: h.logs.logger, prefix: h.queuePrefix },
    );
    await waitFor(async () => (await provision.getJobCounts('failed', 'completed')).failed === 1 && (await provision.getJobCounts('completed')).completed === 1, { what: 'one failed, one completed job' });
    await worker.close();
    worker = undefined;
    await h.app.dashboardMetrics!.pollOnce(); // observes both jobs before the retry below

    const page = await call('GET', '/queues');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    // No web font from the internet; times in UTC; a way back.
    expect(page.body).not.toContain('fonts.googleapis.com');
    expect(page.headers['content-security-policy']).toContain("font-src 'self' data:");
    expect(page.body).toContain('"timeZone":"UTC"');
    expect(page.body).toContain('Back to the dashboard');
    const list = await call('GET', '/queues/api/queues?activeQueue=provision&status=failed');
    expect(list.statusCode).toBe(200);
    const queues = list.json().queues as Array<{ name: string; readOnlyMode: boolean; counts: Record<string, number>; jobs: Array<{ failedReason: string; stacktrace: string[] }> }>;
    expect(queues.map((q) => q.name).sort()).toEqual(['bastion-pool-refill', 'docs-cluster', 'docs-fleet', 'notify', 'provision', 'renotify', 'revoke', 'seal', 'sweep', 'warn']);
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);
    const failed = queues.find((q) => q.name === 'provision')!;
    expect(failed.counts['failed']).toBe(1);
    expect(failed.jobs[0]?.failedReason).toBe('cluster 壊れた is gone');

    expect((await call('PUT', '/queues/api/queues/provision/retry/failed')).json()).toMatchObject({ code: 'READ_ONLY_BOARD' });
    expect((await call('GET', '/admin/queues')).statusCode).toBe(403);
    expect((await call('PUT', '/admin/queues/api/queues/provision/retry/failed')).statusCode).toBe(403);

    const sameOrigin = { origin: 'http://localhost:80' };
    expect((await call('PUT', '/admin/queues/api/queues/provision/retry/failed', ADMIN)).json()).toMatchObject({ code: 'CROSS_SITE_REQUEST' });
    expect((await call('PUT', '/admin/queues/api/queues/provision/obliterate', ADMIN, sameOrigin)).json()).toMatchObject({ code: 'QUEUE_ACTION_NOT_ALLOWED' });
    const adminList = await call('GET', '/admin/queues/api/queues', ADMIN);
    expect((adminList.json().queues as Array<{ readOnlyMode: boolean }>).every((q) => !q.readOnlyMode)).toBe(true);

    const retried = await call('PUT', '/admin/queues/api/queues/provision/retry/failed', ADMIN, sameOrigin);
    expect(retried.statusCode).toBeLessThan(300);
    expect((await provision.getJobCounts('failed')).failed).toBe(0);
    const log = await call('GET', '/admin-log', ADMIN);
    expect(log.body).toContain('data-chain="ok"');
    expect(log.body).toContain('/admin/queues/api/queues/provision/retry/failed');
    expect((await call('GET', '/admin-log')).statusCode).toBe(403);
    await provision.close();
  });

  it('exposes queue depths, job durations, provisioning latency, revoke lag and overdue grants on /metrics', async () => {
    const sweep = createQueue('sweep', h.redis, { prefix: h.queuePrefix });
    await enqueue(sweep, {}, { jobId: 'sweep-1' });
    worker = createWorker('sweep', async () => ({ revoked: 2, orphanUsers: 1, errors: 0 }), { connection: workerRedis, logger: h.logs.logger, prefix: h.queuePrefix });
    await waitFor(async () => (await sweep.getJobCounts('completed')).completed === 1, { what: 'the sweep job' });
    await worker.close();
    worker = undefined;
    const warn = createQueue('warn', h.redis, { prefix: h.queuePrefix });
    await enqueue(warn, { requestId: 'x', endsAt: new Date().toISOString() }, { jobId: 'warn-x-1', delay: 60_000 });
    // Only grants activated after the dashboard started count; the revoked one below was activated
    // 400 ms ago, so make sure the harness is older than that however fast the steps above ran.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const t = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
    await h.requests.create(aRequest({ decidedAt: t(-250), activeAt: t(0), updatedAt: t(0) }));
    await h.requests.create(aRequest({ state: 'revoked', decidedAt: t(-600), activeAt: t(-400), endsAt: t(-1500), revokedAt: t(-900), revokeReason: 'expired', updatedAt: t(0) }));
    await h.requests.create(aRequest({ state: 'active', endsAt: t(-5 * 60_000), updatedAt: t(0) }));
    await h.app.dashboardMetrics!.pollOnce();

    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    expect(text).toContain('dbre_queue_jobs{queue="warn",state="delayed"} 1');
    expect(text).toContain('dbre_queue_jobs{queue="provision",state="waiting"} 1'); // the retried job
    expect(text).toMatch(/dbre_queue_job_duration_seconds_count\{queue="provision",status="completed"\} 1/);
    expect(text).toMatch(/dbre_queue_job_duration_seconds_count\{queue="provision",status="failed"\} 1/);
    expect(text).toMatch(/dbre_access_provisioning_latency_seconds_count 3/);
    expect(text).toMatch(/dbre_access_provisioning_latency_seconds_bucket\{le="0.1"\} 1/);
    expect(text).toMatch(/dbre_access_revoke_lag_seconds_bucket\{le="0.5",reason="expired"\} 0/);
    expect(text).toMatch(/dbre_access_revoke_lag_seconds_bucket\{le="1",reason="expired"\} 1/);
    expect(text).toContain('dbre_access_grants_overdue 1');
    expect(text).toMatch(/dbre_sweep_last_completed_timestamp_seconds \d{10}/);
    expect(text).toContain('dbre_sweep_last_findings{kind="orphanUsers"} 1');
    expect(text).toContain('dbre_sweep_findings_total{kind="revoked"} 2');
    expect(text).not.toContain('dbre_sweep_findings_total{kind="errors"}');
    expect(text).toMatch(/dbre_access_requests\{state="active"\} 2/);

    // Polling again observes nothing twice.
    await h.app.dashboardMetrics!.pollOnce();
    const again = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(again).toMatch(/dbre_access_provisioning_latency_seconds_count 3/);
    expect(again).toMatch(/dbre_queue_job_duration_seconds_count\{queue="provision",status="completed"\} 1/);
    await warn.close();
    await sweep.close();
  });
});
