import { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CrawlRunsRepo } from '@dbre/docs';
import { newRunId } from '@dbre/docs';
import type { Inventory } from '@dbre/drivers';
import { QUEUES, type PayloadOf } from '@dbre/queue';
import { AppError } from '@dbre/service-kit';
import { crawlQueueName, regionOf } from './regions';

export interface StartRunInput {
  /** One cluster, or the whole fleet when absent. */
  clusterId?: string | undefined;
  trigger: PayloadOf<'docsFleet'>['trigger'];
}

export interface StartedRun {
  runId: string;
  clusterIds: string[];
  /** true: a fleet run was already queued or running, and this request joined it. */
  joined: boolean;
}

export interface CrawlFlow {
  startRun(input: StartRunInput): Promise<StartedRun>;
  /** Called when a run's parent job has published: a later fleet request starts a new run. */
  finishRun(runId: string): Promise<void>;
  close(): Promise<void>;
}

/** Replaces the key only if it still holds the value the caller saw (or deletes it when ARGV[2] is empty). */
const COMPARE_AND_SET =
  "if redis.call('get', KEYS[1]) == ARGV[1] then if ARGV[2] == '' then return redis.call('del', KEYS[1]) end return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return 0";

/**
 * A fleet run is one BullMQ flow: the `docs-fleet` parent and one `docs-cluster` child per
 * cluster. Children ignore their dependency on failure, so a cluster that fails after its
 * retries never fails or blocks the parent; the parent reads the failures and publishes.
 *
 * Only one fleet run at a time: a second fleet request (API, cron tick, another replica) while
 * one is queued or running joins it. The Redis key `<prefix>:docs-fleet-run` holds the running
 * run's id (SET NX); the parent job clears it when it has published, and its time to live
 * (`fleetRunTtlMs`) bounds how long a crashed run can hold it. A key naming a run that is
 * already `done` is stale and replaced.
 */
export function createCrawlFlow(deps: {
  connection: Redis;
  prefix: string;
  inventory: Inventory;
  runs: CrawlRunsRepo;
  now?: () => Date;
  fleetRunTtlMs?: number;
  /** Regions with a crawl queue of their own (see regions.ts); empty: one queue for all. */
  regions?: readonly string[];
}): CrawlFlow {
  const producer = new FlowProducer({ connection: deps.connection, prefix: deps.prefix });
  producer.on('error', () => undefined); // connection errors surface through readiness
  const now = deps.now ?? (() => new Date());
  const redis = deps.connection;
  const fleetKey = `${deps.prefix}:docs-fleet-run`;
  const ttlMs = String(deps.fleetRunTtlMs ?? 6 * 60 * 60 * 1000);

  /** The producer connection refuses commands until connected (no offline queue): wait, briefly. */
  const connected = async () => {
    if (redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(new Error(`Redis is not connected (${redis.status})`));
      }, 2000);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      redis.once('ready', onReady);
    });
  };

  /** Takes the fleet slot for `runId`, or names the run that holds it. */
  const claimFleet = async (runId: string): Promise<string | undefined> => {
    await connected();
    for (let attempt = 0; attempt < 5; attempt++) {
      if ((await redis.set(fleetKey, runId, 'PX', ttlMs, 'NX')) === 'OK') return undefined;
      const holder = await redis.get(fleetKey);
      if (holder === null) continue; // released in between: try again
      const run = await deps.runs.getRun(holder);
      // No record yet: the holder is between SET and createRun. Queued or running: join it.
      if (!run || run.status !== 'done') return holder;
      if ((await redis.eval(COMPARE_AND_SET, 1, fleetKey, holder, runId, ttlMs)) === 'OK') return undefined;
    }
    throw new Error('could not take or join the fleet run slot');
  };
  const release = async (runId: string) => {
    await redis.eval(COMPARE_AND_SET, 1, fleetKey, runId, '', ttlMs);
  };

  return {
    async startRun(input) {
      let clusterIds: string[];
      const queueOf = new Map<string, string>();
      const routed = deps.regions ?? [];
      const fleetRun = input.clusterId === undefined;
      if (!fleetRun) {
        const target = await deps.inventory.get(input.clusterId as string);
        if (!target) throw new AppError('CLUSTER_NOT_FOUND', 'not_found', `cluster ${input.clusterId} is not in the inventory`);
        clusterIds = [target.id];
        queueOf.set(target.id, crawlQueueName(regionOf(target), routed));
      } else {
        const targets = await deps.inventory.list();
        clusterIds = targets.map((c) => c.id);
        for (const t of targets) queueOf.set(t.id, crawlQueueName(regionOf(t), routed));
      }
      const started = now();
      const runId = newRunId(started);
      if (fleetRun) {
        const holder = await claimFleet(runId);
        if (holder !== undefined) {
          const running = await deps.runs.getRun(holder);
          return { runId: holder, clusterIds: running?.clusterIds ?? clusterIds, joined: true };
        }
      }
      try {
        await deps.runs.createRun({ runId, status: 'queued', trigger: input.trigger, clusterIds, requestedAt: started.toISOString() });
        const fleet = QUEUES.docsFleet;
        const cluster = QUEUES.docsCluster;
        await producer.add({
          name: 'docs-fleet',
          queueName: fleet.name,
          data: fleet.payload.parse({ runId, clusterIds, trigger: input.trigger }),
          opts: { ...fleet.defaults, jobId: `run-${runId}` },
          children: clusterIds.map((clusterId) => ({
            name: 'docs-cluster',
            queueName: queueOf.get(clusterId) ?? cluster.name,
            data: cluster.payload.parse({ runId, clusterId }),
            opts: { ...cluster.defaults, jobId: `crawl-${runId}-${clusterId}`, ignoreDependencyOnFailure: true },
          })),
        });
      } catch (err) {
        // Never leave the slot held by a run that was not queued.
        if (fleetRun) await release(runId).catch(() => undefined);
        throw err;
      }
      return { runId, clusterIds, joined: false };
    },
    finishRun: release,
    close: () => producer.close(),
  };
}
