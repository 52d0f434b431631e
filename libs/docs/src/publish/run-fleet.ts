import { randomBytes } from 'node:crypto';
import type { ClusterTarget, DocSink, Notifier } from '@dbre/drivers';
import type { Logger } from 'pino';
import { classifyError } from '../crawl/connection';
import type { ParameterBaseline } from '../parameters/baseline';
import { withDeadline } from './deadline';
import { publishCluster, type ClusterOutcome, type PublishClusterInput } from './publish-cluster';
import { publishFleet, type ClusterStatus } from './publish-fleet';

export type ClusterResult = ({ ok: true } & ClusterOutcome) | { ok: false; clusterId: string; error: string; code: string; durationMs: number };

export interface FleetRunSummary {
  runId: string;
  startedAt: string;
  finishedAt: string;
  clusters: Array<ClusterResult & { attempts: number }>;
  failed: string[];
  filesWritten: number;
}

export interface CrawlSettings {
  /** Clusters crawled at the same time. */
  concurrency: number;
  /** Deadline of one attempt on one cluster. */
  clusterTimeoutMs: number;
  /** Attempts per cluster (wrong credentials are never retried). */
  attempts: number;
  connectTimeoutMs: number;
  parallelism?: number | undefined;
  includeSchema?: ((name: string) => boolean) | undefined;
  force?: boolean | undefined;
  svg?: boolean | undefined;
}

export interface RunFleetDeps {
  sink: DocSink;
  logger?: Logger | undefined;
  notifier?: Notifier | undefined;
  notifyTo?: string | undefined;
  baselines?: readonly ParameterBaseline[] | undefined;
}

/** Result of one cluster job: never throws; a failure carries its reason. */
export async function crawlOneCluster(deps: RunFleetDeps, target: ClusterTarget, settings: CrawlSettings, extra: Pick<PublishClusterInput, 'crawledAt' | 'runId' | 'onStage'> & { signal?: AbortSignal }): Promise<ClusterResult> {
  const started = Date.now();
  try {
    const outcome = await withDeadline(
      target.id,
      settings.clusterTimeoutMs,
      (signal) =>
        publishCluster(deps, {
          target,
          crawledAt: extra.crawledAt,
          runId: extra.runId,
          signal,
          connectTimeoutMs: settings.connectTimeoutMs,
          parallelism: settings.parallelism,
          includeSchema: settings.includeSchema,
          force: settings.force,
          svg: settings.svg,
          onStage: extra.onStage,
        }),
      extra.signal,
    );
    return { ok: true, ...outcome };
  } catch (err) {
    const e = classifyError(err, target.id);
    return { ok: false, clusterId: target.id, error: e.message, code: e.code, durationMs: Date.now() - started };
  }
}

/**
 * The fleet run without a queue (CLI, benchmark): the same per-cluster work and fleet pages as
 * the BullMQ flow, with a bounded pool, a deadline per attempt and retries.
 */
export async function runFleetInProcess(
  deps: RunFleetDeps,
  input: {
    runId: string;
    targets: readonly ClusterTarget[];
    /** The whole inventory, for the fleet pages (defaults to targets). */
    inventory?: readonly ClusterTarget[];
    settings: CrawlSettings;
    now?: () => Date;
    signal?: AbortSignal;
    onCluster?: (event: { clusterId: string; stage: 'start' | 'crawl' | 'render' | 'write' | 'retry' | 'done' | 'failed'; detail?: string }) => void;
  },
): Promise<FleetRunSummary> {
  const now = input.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const results: FleetRunSummary['clusters'] = [];
  let next = 0;
  const lane = async () => {
    while (next < input.targets.length) {
      const target = input.targets[next++] as ClusterTarget;
      input.onCluster?.({ clusterId: target.id, stage: 'start' });
      let result: ClusterResult;
      let attempts = 0;
      for (;;) {
        attempts++;
        result = await crawlOneCluster(deps, target, input.settings, {
          crawledAt: now().toISOString(),
          runId: input.runId,
          onStage: (stage, detail) => input.onCluster?.({ clusterId: target.id, stage, ...(detail ? { detail } : {}) }),
          ...(input.signal ? { signal: input.signal } : {}),
        });
        if (result.ok || result.code === 'CRAWL_ACCESS_DENIED' || input.signal?.aborted || attempts >= input.settings.attempts) break;
        input.onCluster?.({ clusterId: target.id, stage: 'retry', detail: result.error });
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** (attempts - 1), 5000)));
      }
      results.push({ ...result, attempts });
      input.onCluster?.(result.ok ? { clusterId: target.id, stage: 'done' } : { clusterId: target.id, stage: 'failed', detail: result.error });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.settings.concurrency, input.targets.length)) }, lane));
  results.sort((a, b) => (a.clusterId < b.clusterId ? -1 : 1));
  const statuses = new Map<string, ClusterStatus>(results.map((r) => [r.clusterId, r.ok ? { ok: true } : { ok: false, error: r.error }]));
  const fleet = await publishFleet(deps, { targets: input.inventory ?? input.targets, results: statuses, baselines: deps.baselines });
  return {
    runId: input.runId,
    startedAt,
    finishedAt: now().toISOString(),
    clusters: results,
    failed: results.filter((r) => !r.ok).map((r) => r.clusterId),
    filesWritten: results.reduce((n, r) => n + (r.ok ? r.filesWritten : 0), 0) + fleet.written,
  };
}

/** Sortable, colon-free run ids (BullMQ job ids may not contain ':'): 20261125T091500123Z-ab12cd. */
export function newRunId(now: Date = new Date(), random: () => string = () => randomBytes(3).toString('hex')): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${random()}`;
}
