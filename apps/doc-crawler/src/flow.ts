import { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CrawlRunsRepo } from '@dbre/docs';
import { newRunId } from '@dbre/docs';
import type { Inventory } from '@dbre/drivers';
import { QUEUES, type PayloadOf } from '@dbre/queue';
import { AppError } from '@dbre/service-kit';

export interface StartRunInput {
  /** One cluster, or the whole fleet when absent. */
  clusterId?: string | undefined;
  trigger: PayloadOf<'docsFleet'>['trigger'];
}

export interface StartedRun {
  runId: string;
  clusterIds: string[];
}

export interface CrawlFlow {
  startRun(input: StartRunInput): Promise<StartedRun>;
  close(): Promise<void>;
}

/**
 * A fleet run is one BullMQ flow: the `docs-fleet` parent and one `docs-cluster` child per
 * cluster. Children ignore their dependency on failure, so a cluster that fails after its
 * retries never fails or blocks the parent; the parent reads the failures and publishes.
 */
export function createCrawlFlow(deps: { connection: Redis; prefix: string; inventory: Inventory; runs: CrawlRunsRepo; now?: () => Date }): CrawlFlow {
  const producer = new FlowProducer({ connection: deps.connection, prefix: deps.prefix });
  producer.on('error', () => undefined); // connection errors surface through readiness
  const now = deps.now ?? (() => new Date());
  return {
    async startRun(input) {
      let clusterIds: string[];
      if (input.clusterId !== undefined) {
        const target = await deps.inventory.get(input.clusterId);
        if (!target) throw new AppError('CLUSTER_NOT_FOUND', 'not_found', `cluster ${input.clusterId} is not in the inventory`);
        clusterIds = [target.id];
      } else {
        clusterIds = (await deps.inventory.list()).map((c) => c.id);
      }
      const started = now();
      const runId = newRunId(started);
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
          queueName: cluster.name,
          data: cluster.payload.parse({ runId, clusterId }),
          opts: { ...cluster.defaults, jobId: `crawl-${runId}-${clusterId}`, ignoreDependencyOnFailure: true },
        })),
      });
      return { runId, clusterIds };
    },
    close: () => producer.close(),
  };
}
