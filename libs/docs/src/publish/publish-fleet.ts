import { z } from 'zod';
import type { ClusterTarget, DocSink } from '@dbre/drivers';
import type { Logger } from 'pino';
import { compareText } from '../crawl/rows';
import { baselineFor, BUILTIN_BASELINES, type ParameterBaseline } from '../parameters/baseline';
import { renderFleetIndex, type FleetEntry } from '../render/fleet-index';
import { renderEnvironmentComparison, renderParameterDrift, renderParametersPage } from '../render/parameters-page';
import { paths } from '../render/paths';
import { JSON_TYPE, MARKDOWN, type RenderedFile } from '../render/render-cluster';
import { snapshotJsonSchema, toJson } from '../snapshot';
import { readSummary, type ClusterSummary } from './cluster-summary';
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
 * status.json. Reads each cluster's summary.json back from the sink, so a one-cluster run keeps
 * the rest of the fleet on the pages.
 */
export async function publishFleet(deps: { sink: DocSink; logger?: Logger | undefined }, input: PublishFleetInput): Promise<WriteCounts> {
  const { sink } = deps;
  const files = new Map<string, RenderedFile>();
  const entries: FleetEntry[] = [];
  const summaries = new Map<string, ClusterSummary>();
  for (const target of [...input.targets].sort((a, b) => compareText(a.id, b.id))) {
    const summary = await readSummary(sink, target.id);
    if (summary) summaries.set(target.id, summary);
    let status = input.results.get(target.id);
    if (status) files.set(paths.status(target.id), { content: toJson(status), contentType: JSON_TYPE });
    else {
      const stored = await sink.read(paths.status(target.id));
      let parsed: ClusterStatus | undefined;
      try {
        const result = stored ? statusSchema.safeParse(JSON.parse(stored.toString('utf8'))) : undefined;
        parsed = result?.success ? result.data : undefined;
      } catch {
        parsed = undefined;
      }
      status = parsed ?? (summary ? { ok: true } : { ok: false, error: 'never crawled' });
    }
    entries.push({ clusterId: target.id, environment: target.environment, engine: target.engine, summary, lastResult: status });
  }

  const byEnv = new Map<string, ClusterSummary[]>();
  for (const s of summaries.values()) byEnv.set(s.environment, [...(byEnv.get(s.environment) ?? []), s]);
  for (const s of summaries.values()) {
    const peers = (byEnv.get(s.environment) ?? []).filter((p) => p.clusterId !== s.clusterId);
    files.set(paths.parameters(s.clusterId), { content: renderParametersPage(s, baselineFor(s.server.version, input.baselines ?? BUILTIN_BASELINES), peers), contentType: MARKDOWN });
  }
  const environments = new Set([...input.targets.map((t) => t.environment), ...byEnv.keys()]);
  for (const env of environments) files.set(paths.environmentParameters(env), { content: renderEnvironmentComparison(env, byEnv.get(env) ?? []), contentType: MARKDOWN });
  files.set(paths.parameterDrift, { content: renderParameterDrift([...summaries.values()]), contentType: MARKDOWN });
  files.set(paths.fleetIndex, { content: renderFleetIndex(entries), contentType: MARKDOWN });
  files.set(paths.snapshotJsonSchema, { content: toJson(snapshotJsonSchema()), contentType: JSON_TYPE });
  return writeFiles(sink, files);
}
