import { z } from 'zod';
import type { DocSink } from '@dbre/drivers';
import { auditStateOf } from '../parameters/audit-logging';
import { clusterTotals } from '../render/index-pages';
import { paths } from '../render/paths';
import { snapshotSchema, type Snapshot } from '../snapshot';

/**
 * `<cluster>/summary.json`: the small part of the snapshot the fleet pages and the unchanged
 * check need (hashes, totals, variables), so neither parses a schema.json of thousands of
 * tables. Written after schema.json: it marks a completely published crawl.
 */
export const clusterSummarySchema = z.object({
  summaryVersion: z.literal(1),
  clusterId: z.string(),
  environment: z.string(),
  engine: z.string(),
  server: snapshotSchema.shape.server,
  capturedAt: z.string(),
  contentHash: z.string(),
  factsHash: z.string(),
  renderVersion: z.number().int(),
  totals: z.object({ schemas: z.number(), tables: z.number(), views: z.number(), routines: z.number(), bytes: z.number() }),
  variables: z.record(z.string(), z.string()),
  /** Since snapshot 1.2; absent in older summaries (then derived from `variables`). */
  auditLogging: snapshotSchema.shape.auditLogging,
});
export type ClusterSummary = z.output<typeof clusterSummarySchema>;

export function summarize(snapshot: Snapshot, factsHash: string): ClusterSummary {
  return {
    summaryVersion: 1,
    clusterId: snapshot.clusterId,
    environment: snapshot.environment,
    engine: snapshot.engine,
    server: snapshot.server,
    capturedAt: snapshot.capturedAt,
    contentHash: snapshot.contentHash,
    factsHash,
    renderVersion: snapshot.generator?.renderVersion ?? 0,
    totals: clusterTotals(snapshot),
    variables: snapshot.variables,
    ...(snapshot.auditLogging ? { auditLogging: snapshot.auditLogging } : {}),
  };
}

/** The published summary; undefined when absent or unreadable (the crawl then renders again). */
export async function readSummary(sink: DocSink, clusterId: string): Promise<ClusterSummary | undefined> {
  const data = await sink.read(paths.summary(clusterId));
  if (!data) return undefined;
  try {
    const parsed = clusterSummarySchema.safeParse(JSON.parse(data.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the latest published crawl says of one cluster's audit logging (for a grant's evidence,
 * `clusterAuditLogging`): read from `<cluster>/summary.json`, the small file written last by a
 * complete crawl. Undefined when the cluster was never crawled (or its summary is unreadable).
 */
export async function readClusterAuditLogging(sink: DocSink, clusterId: string): Promise<{ enabled: boolean; detail: string; capturedAt: string } | undefined> {
  const summary = await readSummary(sink, clusterId);
  if (!summary) return undefined;
  const state = auditStateOf(summary);
  return { enabled: state.enabled, detail: state.detail, capturedAt: summary.capturedAt };
}
