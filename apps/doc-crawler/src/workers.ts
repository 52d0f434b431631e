import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { crawlOneCluster, publishFleet, type ClusterResult, type ClusterStatus, type CrawlRunsRepo, type CrawlSettings, type ParameterBaseline } from '@dbre/docs';
import type { DocSink, Inventory, Notifier } from '@dbre/drivers';
import { createWorker, UnrecoverableError } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import { createClusterLock } from './cluster-lock';
import type { CrawlFlow } from './flow';
import { crawlQueueNames } from './regions';

export interface DocsWorkerDeps {
  connection: Redis;
  prefix: string;
  logger: Logger;
  inventory: Inventory;
  sink: DocSink;
  runs: CrawlRunsRepo;
  flow: CrawlFlow;
  settings: CrawlSettings;
  notifier?: Notifier | undefined;
  notifyTo?: string | undefined;
  /** Regions with a crawl queue and workers of their own (regions.ts); empty: one queue. */
  regions?: readonly string[];
  /** Parameter defaults to mark non-defaults against (default: the recorded local baselines). */
  baselines?: readonly ParameterBaseline[] | undefined;
  now?: () => Date;
}

export interface FleetJobResult {
  runId: string;
  clusters: number;
  failed: Array<{ clusterId: string; error: string }>;
  filesWritten: number;
}

const attemptsOf = (job: Job) => job.opts.attempts ?? 1;

/**
 * The crawl workers: `docs-cluster` and one `docs-cluster-<region>` per routed region (each
 * bounded by settings.concurrency), and `docs-fleet`.
 */
export function createDocsWorkers(deps: DocsWorkerDeps): Worker[] {
  const now = deps.now ?? (() => new Date());
  const lock = createClusterLock(deps.connection, deps.prefix);
  const clusterWorker = (queueName: string) => createWorker(
    'docsCluster',
    async ({ runId, clusterId }, { job, logger, signal }) => {
      const attempt = job.attemptsMade + 1;
      const target = await deps.inventory.get(clusterId);
      if (!target) {
        await deps.runs.putClusterCrawl({ clusterId, runId, status: 'failed', error: 'not in the inventory any more', finishedAt: now().toISOString() });
        throw new UnrecoverableError(`cluster ${clusterId} is not in the inventory any more`);
      }
      await deps.runs.updateRun(runId, { status: 'running' });
      await deps.runs.putClusterCrawl({ clusterId, runId, status: 'running', attempt });
      // Another run crawling this cluster: wait for it (up to one crawl's deadline), then crawl.
      const timeout = deps.settings.clusterTimeoutMs;
      const release = await lock.acquire(clusterId, timeout + 60_000, timeout, signal);
      if (!release) throw new Error(`${clusterId}: still being crawled by another run after ${timeout} ms`);
      let result: ClusterResult;
      try {
        result = await crawlOneCluster(
          { sink: deps.sink, logger, notifier: deps.notifier, notifyTo: deps.notifyTo },
          target,
          deps.settings,
          { crawledAt: now().toISOString(), runId, ...(signal ? { signal } : {}) },
        );
      } finally {
        await release();
      }
      if (result.ok) {
        const { ok: _ok, ...outcome } = result;
        await deps.runs.putClusterCrawl({
          clusterId,
          runId,
          status: 'ok',
          attempt,
          finishedAt: now().toISOString(),
          changed: outcome.changed,
          changes: outcome.changes,
          filesWritten: outcome.filesWritten,
          tables: outcome.tables,
          schemas: outcome.schemas,
          serverVersion: outcome.serverVersion,
          durationMs: outcome.durationMs,
        });
        logger.info({ clusterId, changed: outcome.changed, changes: outcome.changes, filesWritten: outcome.filesWritten, durationMs: outcome.durationMs }, 'cluster documented');
        return result;
      }
      const final = result.code === 'CRAWL_ACCESS_DENIED' || attempt >= attemptsOf(job);
      await deps.runs.putClusterCrawl({ clusterId, runId, status: final ? 'failed' : 'running', attempt, error: result.error, code: result.code, durationMs: result.durationMs, ...(final ? { finishedAt: now().toISOString() } : {}) });
      // Wrong credentials do not heal by retrying.
      if (result.code === 'CRAWL_ACCESS_DENIED') throw new UnrecoverableError(result.error);
      throw new Error(result.error);
    },
    { connection: deps.connection, logger: deps.logger, prefix: deps.prefix, queueName },
    // A crawl holds a job for minutes: renew its lock well inside the per-cluster deadline.
    { concurrency: deps.settings.concurrency, lockDuration: 60_000 },
  );

  const fleetWorker = createWorker(
    'docsFleet',
    async (payload, { job, logger }) => {
      if (!payload.runId) {
        // A scheduler tick: start a run (its flow's parent comes back here with a runId).
        const started = await deps.flow.startRun({ trigger: payload.trigger });
        logger.info({ runId: started.runId, clusters: started.clusterIds.length, joined: started.joined }, started.joined ? 'scheduled fleet crawl joined the run in progress' : 'scheduled fleet crawl started');
        return { started: started.runId };
      }
      const runId = payload.runId;
      try {
        return await publishRun(runId, payload.clusterIds ?? [], job, logger);
      } catch (err) {
        // The run will not be done: free the fleet slot after its last attempt, so the next
        // request starts a run instead of joining this one.
        if (job.attemptsMade + 1 >= attemptsOf(job)) await deps.flow.finishRun(runId);
        throw err;
      }
    },
    { connection: deps.connection, logger: deps.logger, prefix: deps.prefix },
    { concurrency: 1 },
  );

  async function publishRun(runId: string, clusterIds: readonly string[], job: Job, logger: Logger): Promise<FleetJobResult> {
    const values = (await job.getChildrenValues()) as Record<string, ClusterResult>;
    const failures = await job.getIgnoredChildrenFailures();
    const statuses = new Map<string, ClusterStatus>();
    let filesWritten = 0;
    for (const value of Object.values(values)) {
      if (value?.ok) {
        statuses.set(value.clusterId, { ok: true });
        filesWritten += value.filesWritten;
      }
    }
    const failed: FleetJobResult['failed'] = [];
    for (const [key, reason] of Object.entries(failures)) {
      const clusterId = clusterIds.find((id) => key.endsWith(`crawl-${runId}-${id}`)) ?? key;
      statuses.set(clusterId, { ok: false, error: reason });
      failed.push({ clusterId, error: reason });
    }
    failed.sort((a, b) => (a.clusterId < b.clusterId ? -1 : 1));
    const fleet = await publishFleet({ sink: deps.sink, logger }, { targets: await deps.inventory.list(), results: statuses, baselines: deps.baselines });
    filesWritten += fleet.written;
    await deps.runs.updateRun(runId, { status: 'done', finishedAt: now().toISOString(), failed: failed.map((f) => f.clusterId), filesWritten });
    // Frees the fleet slot (a one-cluster run never held it: the release checks the owner).
    await deps.flow.finishRun(runId);
    logger.info({ runId, clusters: clusterIds.length, failed: failed.length, filesWritten }, 'fleet crawl finished');
    return { runId, clusters: clusterIds.length, failed, filesWritten };
  }
  return [...crawlQueueNames(deps.regions ?? []).map(clusterWorker), fleetWorker];
}
