import { ENVIRONMENTS, type AccessRequest, type Environment } from '@dbre/domain';
import { QUEUES } from '@dbre/queue';
import type { QueueSet } from '../queues/queue-set';
import type { RequestsRead } from '../read/requests-read';
import type { QueueDepthSample, QueueDepthSampler } from './queue-depth-sampler';

/** A point of a chart: when (ms since epoch) and a value in seconds. */
export interface Point {
  at: number;
  seconds: number;
  requestId: string;
}

export interface Overview {
  now: Date;
  hours: number;
  activeByEnvironment: Record<Environment, number>;
  waiting: AccessRequest[];
  overdue: AccessRequest[];
  lastSweep?: { at: number; findings: Record<string, number> } | undefined;
  failedJobs: Array<{ queue: string; failed: number }>;
  provisioningLatency: Point[];
  revokeLag: Point[];
  queueDepth: QueueDepthSample[];
}

export interface OverviewRead {
  overview(): Promise<Overview>;
}

/**
 * The overview's figures, from the same sources as `/metrics`: live states and changed requests
 * in DynamoDB (provisioning latency = decidedAt → activeAt, revoke lag = endsAt → revokedAt of
 * grants that ran to their end), BullMQ counts, the sweep's last result, and the sampled queue depth.
 */
export function createOverviewRead(deps: {
  read: RequestsRead;
  queues: QueueSet;
  sampler: QueueDepthSampler;
  grantsEndingBefore: (t: Date) => Promise<AccessRequest[]>;
  clock: () => Date;
  hours?: number;
  overdueAfterMs?: number;
}): OverviewRead {
  const hours = deps.hours ?? 6;
  return {
    async overview() {
      const now = deps.clock();
      const since = new Date(now.getTime() - hours * 3600_000);
      const sweepQueue = deps.queues.all.find((q) => q.name === QUEUES.sweep.name);
      const [live, waiting, overdue, changed, failed, lastSweep] = await Promise.all([
        deps.read.liveGrants(),
        deps.read.list({ state: 'requested' }, 500),
        deps.grantsEndingBefore(new Date(now.getTime() - (deps.overdueAfterMs ?? 60_000))),
        deps.read.updatedSince(['active', 'revoking', 'revoked', 'failed'], since),
        Promise.all(deps.queues.all.map(async (q) => ({ queue: q.name, failed: (await q.getJobCounts('failed'))['failed'] ?? 0 }))),
        sweepQueue ? sweepQueue.getJobs(['completed'], 0, 0, false).then((jobs) => jobs[0]) : Promise.resolve(undefined),
      ]);
      const activeByEnvironment = Object.fromEntries(ENVIRONMENTS.map((e) => [e, 0])) as Record<Environment, number>;
      for (const g of live) if (g.state === 'active') activeByEnvironment[g.target.environment]++;
      const provisioningLatency: Point[] = [];
      const revokeLag: Point[] = [];
      for (const r of changed) {
        if (r.decidedAt && r.activeAt && Date.parse(r.activeAt) >= since.getTime()) {
          provisioningLatency.push({ at: Date.parse(r.activeAt), seconds: (Date.parse(r.activeAt) - Date.parse(r.decidedAt)) / 1000, requestId: r.id });
        }
        // Grants ended early by a person have no lag: only those that ran to their end count.
        if (r.endsAt && r.revokedAt && (r.revokeReason === 'expired' || r.revokeReason === 'sweep') && Date.parse(r.revokedAt) >= since.getTime()) {
          revokeLag.push({ at: Date.parse(r.revokedAt), seconds: Math.max(0, (Date.parse(r.revokedAt) - Date.parse(r.endsAt)) / 1000), requestId: r.id });
        }
      }
      const byTime = (a: Point, b: Point) => a.at - b.at;
      return {
        now,
        hours,
        activeByEnvironment,
        waiting: waiting.items.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt)),
        overdue,
        lastSweep: lastSweep?.finishedOn ? { at: lastSweep.finishedOn, findings: numericFields(lastSweep.returnvalue) } : undefined,
        failedJobs: failed,
        provisioningLatency: provisioningLatency.sort(byTime),
        revokeLag: revokeLag.sort(byTime),
        queueDepth: deps.sampler.samples(),
      };
    },
  };
}

function numericFields(value: unknown): Record<string, number> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number'));
}
