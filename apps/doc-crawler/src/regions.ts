import type { ClusterTarget } from '@dbre/drivers';
import { QUEUES } from '@dbre/queue';

/**
 * Crawls are routed per region: each routed region has its own `docs-cluster-<region>` queue and
 * workers (their own concurrency), so a region whose clusters hang until their deadline never
 * holds the slots of another. Clusters without a routed region (local, or a region not listed)
 * use the `docs-cluster` queue.
 */
export function crawlQueueName(region: string | undefined, routed: readonly string[]): string {
  return region && routed.includes(region) ? `${QUEUES.docsCluster.name}-${region}` : QUEUES.docsCluster.name;
}

/** Every queue a crawler works: the default one and one per routed region. */
export function crawlQueueNames(routed: readonly string[]): string[] {
  return [QUEUES.docsCluster.name, ...[...new Set(routed)].sort().map((r) => crawlQueueName(r, routed))];
}

export const regionOf = (target: Pick<ClusterTarget, 'placement'>): string | undefined => target.placement?.region;
