import { z } from 'zod';
import type { DocSink } from '@dbre/drivers';

/**
 * The databases of a cluster as the doc-crawler last saw them (`<cluster>/schema.json` in the
 * doc sink), for the request modal's database menu. Only the schema names are read (leniently,
 * so a newer snapshot version still works); the parsed list is kept until `summary.json` says the
 * crawl changed, so typing does not re-read a large snapshot.
 */
const snapshotNames = z.object({ schemas: z.array(z.object({ name: z.string().min(1).max(64) }).passthrough()) }).passthrough();
const summaryHash = z.object({ contentHash: z.string() }).passthrough();

export interface DatabaseDirectory {
  /** The cluster's database names, sorted; undefined when no snapshot was published. */
  list(clusterId: string): Promise<string[] | undefined>;
}

export function createDatabaseDirectory(deps: { sink: DocSink; checkEveryMs?: number; now?: () => number }): DatabaseDirectory {
  const now = deps.now ?? Date.now;
  const checkEveryMs = deps.checkEveryMs ?? 60_000;
  const cache = new Map<string, { hash: string | undefined; names: string[] | undefined; checkedAt: number }>();
  const json = async (path: string): Promise<unknown> => {
    const body = await deps.sink.read(path);
    if (!body) return undefined;
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  };
  return {
    async list(clusterId) {
      if (!/^[a-z][a-z0-9-]{1,62}$/.test(clusterId)) return undefined;
      const cached = cache.get(clusterId);
      if (cached && now() - cached.checkedAt < checkEveryMs) return cached.names;
      const hash = summaryHash.safeParse(await json(`${clusterId}/summary.json`));
      const current = hash.success ? hash.data.contentHash : undefined;
      if (cached && current !== undefined && cached.hash === current) {
        cached.checkedAt = now();
        return cached.names;
      }
      const snapshot = snapshotNames.safeParse(await json(`${clusterId}/schema.json`));
      const names = snapshot.success ? [...new Set(snapshot.data.schemas.map((s) => s.name))].sort() : undefined;
      cache.set(clusterId, { hash: current, names, checkedAt: now() });
      return names;
    },
  };
}
