import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AccessRequest } from '@dbre/domain';
import { QUEUES } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import type { QueueSet } from '../queues/queue-set';
import type { RequestsRead } from '../read/requests-read';

const JOB_STATES = ['waiting', 'delayed', 'active', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

export interface DashboardMetricsDeps {
  registry: Registry;
  queues: QueueSet;
  read: RequestsRead;
  /** Grants still holding access whose end is at or before `t` (the sweep's own query). */
  grantsEndingBefore: (t: Date) => Promise<AccessRequest[]>;
  logger: Logger;
  pollMs: number;
  clock?: () => Date;
  /** A grant this long past its end without being revoked counts as overdue. */
  overdueAfterMs?: number;
}

export interface DashboardMetrics {
  /** Reads finished jobs and grants changed since the last poll into the histograms. */
  pollOnce(): Promise<void>;
  stop(): void;
}

/**
 * Queue depths and live grant counts are read at scrape time; histograms are fed by a poller
 * from stored timestamps: BullMQ's processedOn/finishedOn for job durations, the request's
 * decidedAt/activeAt (provisioning latency) and endsAt/revokedAt (revoke lag). Each job and
 * each request is observed once; only what finishes after start-up is counted.
 */
export function registerDashboardMetrics(deps: DashboardMetricsDeps): DashboardMetrics {
  const clock = deps.clock ?? (() => new Date());
  const registers = [deps.registry];
  const overdueAfterMs = deps.overdueAfterMs ?? 60_000;
  const errors = new Counter({ name: 'dbre_ops_collect_errors_total', help: 'Failed reads while collecting metrics', labelNames: ['source'], registers });
  const fail = (source: string) => (err: unknown) => {
    errors.inc({ source });
    deps.logger.warn({ source, err: { message: (err as Error).message } }, 'metrics collection failed');
  };

  new Gauge({
    name: 'dbre_queue_jobs',
    help: 'Jobs per BullMQ queue and state, read at scrape time',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      await Promise.all(
        deps.queues.all.map(async (q) => {
          try {
            const counts = await q.getJobCounts(...JOB_STATES);
            for (const state of JOB_STATES) this.set({ queue: q.name, state }, counts[state] ?? 0);
          } catch (err) {
            fail('queue-counts')(err);
          }
        }),
      );
    },
  });

  const jobDuration = new Histogram({
    name: 'dbre_queue_job_duration_seconds',
    help: 'Time from a job being picked up to finishing (BullMQ processedOn -> finishedOn)',
    labelNames: ['queue', 'status'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers,
  });
  const jobsFinished = new Counter({ name: 'dbre_queue_jobs_finished_total', help: 'Jobs seen finishing, by queue and status', labelNames: ['queue', 'status'], registers });

  const provisioning = new Histogram({
    name: 'dbre_access_provisioning_latency_seconds',
    help: 'Approval (decidedAt) to active grant (activeAt)',
    buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const revokeLag = new Histogram({
    name: 'dbre_access_revoke_lag_seconds',
    help: 'Scheduled end (endsAt) to revoked (revokedAt) for grants that ran to their end',
    labelNames: ['reason'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers,
  });
  const failedGrants = new Counter({ name: 'dbre_access_provisioning_failed_total', help: 'Requests seen ending in failed', registers });

  new Gauge({
    name: 'dbre_access_requests',
    help: 'Requests in each non-terminal state, read at scrape time',
    labelNames: ['state'],
    registers,
    async collect() {
      try {
        const live = await deps.read.liveGrants();
        for (const state of ['approved', 'provisioning', 'active', 'revoking']) this.set({ state }, live.filter((r) => r.state === state).length);
      } catch (err) {
        fail('live-grants')(err);
      }
    },
  });
  new Gauge({
    name: 'dbre_access_grants_overdue',
    help: `Grants still holding access more than ${overdueAfterMs / 1000} s after their end (the sweep should have revoked them)`,
    registers,
    async collect() {
      try {
        this.set((await deps.grantsEndingBefore(new Date(clock().getTime() - overdueAfterMs))).length);
      } catch (err) {
        fail('overdue-grants')(err);
      }
    },
  });

  const sweepFindings = new Counter({
    name: 'dbre_sweep_findings_total',
    help: 'Sum of the numeric fields of completed access sweep results (revoked, orphanUsers, ...): what the normal path missed',
    labelNames: ['kind'],
    registers,
  });

  const sweepQueue = deps.queues.all.find((q) => q.name === QUEUES.sweep.name);
  new Gauge({
    name: 'dbre_sweep_last_completed_timestamp_seconds',
    help: 'Unix time the last access sweep completed (0 when none is in the queue history)',
    registers,
    async collect() {
      if (!sweepQueue) return;
      try {
        const [last] = await sweepQueue.getJobs(['completed'], 0, 0, false);
        this.set(last?.finishedOn ? last.finishedOn / 1000 : 0);
      } catch (err) {
        fail('sweep')(err);
      }
    },
  });
  new Gauge({
    name: 'dbre_sweep_last_findings',
    help: 'Numeric fields of the last completed sweep result (e.g. revoked, orphans removed), by kind',
    labelNames: ['kind'],
    registers,
    async collect() {
      if (!sweepQueue) return;
      try {
        const [last] = await sweepQueue.getJobs(['completed'], 0, 0, false);
        this.reset();
        for (const [kind, value] of Object.entries(numericFields(last?.returnvalue))) this.set({ kind }, value);
      } catch (err) {
        fail('sweep')(err);
      }
    },
  });

  // Watermarks: only what finishes after start-up is observed, each item once.
  const started = clock().getTime();
  const jobMarks = new Map<string, { at: number; ids: Set<string> }>();
  const seenActive = new Map<string, number>();
  const seenEnded = new Map<string, number>();
  let requestsSince = started;

  async function pollJobs(): Promise<void> {
    await Promise.all(
      deps.queues.all.flatMap((q) =>
        (['completed', 'failed'] as const).map(async (status) => {
          const key = `${q.name}/${status}`;
          const mark = jobMarks.get(key) ?? { at: started, ids: new Set<string>() };
          const jobs = await q.getJobs([status], 0, 499, false);
          let at = mark.at;
          const ids = new Set(mark.ids);
          for (const job of jobs) {
            const finished = job.finishedOn;
            if (!finished || finished < mark.at || (finished === mark.at && mark.ids.has(job.id ?? ''))) continue;
            if (job.processedOn) jobDuration.observe({ queue: q.name, status }, Math.max(0, finished - job.processedOn) / 1000);
            jobsFinished.inc({ queue: q.name, status });
            if (q === sweepQueue && status === 'completed') {
              for (const [kind, value] of Object.entries(numericFields(job.returnvalue))) if (value > 0) sweepFindings.inc({ kind }, value);
            }
            if (finished > at) {
              at = finished;
              ids.clear();
            }
            if (finished === at) ids.add(job.id ?? '');
          }
          jobMarks.set(key, { at, ids });
        }),
      ),
    );
  }

  async function pollRequests(): Promise<void> {
    const now = clock().getTime();
    // Re-read a minute back: GSIs are eventually consistent; the seen-sets keep it to one observation.
    const changed = await deps.read.updatedSince(['active', 'revoking', 'revoked', 'failed'], new Date(Math.max(started, requestsSince - 60_000)));
    requestsSince = now;
    for (const r of changed) {
      if (r.activeAt && r.decidedAt && !seenActive.has(r.id) && Date.parse(r.activeAt) >= started) {
        seenActive.set(r.id, now);
        provisioning.observe(Math.max(0, Date.parse(r.activeAt) - Date.parse(r.decidedAt)) / 1000);
      }
      if (r.state === 'revoked' && r.revokedAt && !seenEnded.has(r.id)) {
        seenEnded.set(r.id, now);
        // Grants ended early (by a person) have no lag to measure.
        if (r.endsAt && (r.revokeReason === 'expired' || r.revokeReason === 'sweep' || r.revokeReason === undefined)) {
          revokeLag.observe({ reason: r.revokeReason ?? 'expired' }, Math.max(0, Date.parse(r.revokedAt) - Date.parse(r.endsAt)) / 1000);
        }
      }
      if (r.state === 'failed' && !seenEnded.has(r.id)) {
        seenEnded.set(r.id, now);
        failedGrants.inc();
      }
    }
    for (const seen of [seenActive, seenEnded]) for (const [id, at] of seen) if (now - at > 24 * 3600_000) seen.delete(id);
  }

  let running: Promise<void> | undefined;
  const pollOnce = () => {
    running ??= Promise.all([pollJobs().catch(fail('job-durations')), pollRequests().catch(fail('request-timestamps'))])
      .then(() => undefined)
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = deps.pollMs > 0 ? setInterval(() => void pollOnce(), deps.pollMs) : undefined;
  timer?.unref();
  return { pollOnce, stop: () => timer && clearInterval(timer) };
}

function numericFields(value: unknown): Record<string, number> {
  if (!value || typeof value !== 'object') return {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'number' && Number.isFinite(v) && /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/.test(k)) out[k] = v;
    else if (Array.isArray(v) && /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/.test(k)) out[k] = v.length;
  }
  return out;
}
