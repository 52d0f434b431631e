import { z } from 'zod';
import type { ClusterTarget, DocSink } from '@dbre/drivers';
import type { Logger } from 'pino';
import { compareText } from '../crawl/rows';
import { baselineFor, BUILTIN_BASELINES, type ParameterBaseline } from '../parameters/baseline';
import { renderFleetIndex, type FleetEntry } from '../render/fleet-index';
import { renderEnvironmentComparison, renderParametersPage } from '../render/parameters-page';
import { paths } from '../render/paths';
import { JSON_TYPE, MARKDOWN, type RenderedFile } from '../render/render-cluster';
import { parseSnapshot, snapshotJsonSchema, toJson, type Snapshot } from '../snapshot';
import { writeFiles, type WriteCounts } from './write-files';

const statusSchema = z.union([z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), error: z.string() })]);
export type ClusterStatus = z.output<typeof statusSchema>;

export interface PublishFleetInput {
  /** The whole inventory: every cluster gets a row, crawled in this run or not. */
  targets: readonly ClusterTarget[];
  /** Results of the clusters crawled in this run. */
  results: ReadonlyMap<string, ClusterStatus>;
  baselines?: readonly ParameterBaseline[] | undefined;
}

/**
 * The pages that need every cluster: fleet index, parameter pages (non-defaults and
 * disagreements within an environment), the JSON Schema of schema.json and each cluster's
 * status.json. Reads snapshots back from the sink, so a one-cluster run keeps the rest.
 */
export async function publishFleet(deps: { sink: DocSink; logger?: Logger | undefined }, input: PublishFleetInput): Promise<WriteCounts> {
  const { sink } = deps;
  const files = new Map<string, RenderedFile>();
  const entries: FleetEntry[] = [];
  const snapshots = new Map<string, Snapshot>();
  for (const target of [...input.targets].sort((a, b) => compareText(a.id, b.id))) {
    let snapshot: Snapshot | undefined;
    try {
      snapshot = parseSnapshot(await sink.read(paths.snapshot(target.id)), 'shallow');
    } catch (err) {
      deps.logger?.warn({ clusterId: target.id, err: { message: (err as Error).message } }, 'unreadable snapshot left out of the fleet pages');
    }
    if (snapshot) snapshots.set(target.id, snapshot);
    let status = input.results.get(target.id);
    if (status) files.set(paths.status(target.id), { content: toJson(status), contentType: JSON_TYPE });
    else {
      const stored = await sink.read(paths.status(target.id));
      const parsed = stored ? statusSchema.safeParse(JSON.parse(stored.toString('utf8'))) : undefined;
      status = parsed?.success ? parsed.data : snapshot ? { ok: true } : { ok: false, error: 'never crawled' };
    }
    entries.push({ clusterId: target.id, environment: target.environment, engine: target.engine, snapshot, lastResult: status });
  }

  const byEnv = new Map<string, Snapshot[]>();
  for (const s of snapshots.values()) byEnv.set(s.cluster.environment, [...(byEnv.get(s.cluster.environment) ?? []), s]);
  for (const s of snapshots.values()) {
    const peers = (byEnv.get(s.cluster.environment) ?? []).filter((p) => p.cluster.id !== s.cluster.id);
    files.set(paths.parameters(s.cluster.id), { content: renderParametersPage(s, baselineFor(s.server.version, input.baselines ?? BUILTIN_BASELINES), peers), contentType: MARKDOWN });
  }
  const environments = new Set([...input.targets.map((t) => t.environment), ...byEnv.keys()]);
  for (const env of environments) files.set(paths.environmentParameters(env), { content: renderEnvironmentComparison(env, byEnv.get(env) ?? []), contentType: MARKDOWN });
  files.set(paths.fleetIndex, { content: renderFleetIndex(entries), contentType: MARKDOWN });
  files.set(paths.snapshotJsonSchema, { content: toJson(snapshotJsonSchema()), contentType: JSON_TYPE });
  return writeFiles(sink, files);
}
