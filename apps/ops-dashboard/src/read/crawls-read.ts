import type { ClusterCrawlRecord, CrawlRunsRepo } from '@dbre/docs';
import type { DocSink } from '@dbre/drivers';

/** One changelog entry: its heading (the snapshot time) and its lines, as the crawler wrote them. */
export interface ChangelogEntry {
  heading: string;
  lines: string[];
}

export interface ClusterCrawls {
  clusterId: string;
  /** The newest crawl (may still be running). */
  last: ClusterCrawlRecord | undefined;
  /** The crawl before it, for comparison. */
  previous: ClusterCrawlRecord | undefined;
  changelog: ChangelogEntry[];
}

export interface CrawlsRead {
  byCluster(): Promise<ClusterCrawls[]>;
}

/**
 * Doc crawls through the doc-crawler's own repository (`crawls` table) and the published
 * changelog through the DocSink it writes to (`<cluster>/CHANGELOG.md`). Clusters are those of
 * the latest fleet runs, so a cluster removed from the fleet drops off after a few runs.
 */
export function createCrawlsRead(deps: { runs: CrawlRunsRepo; sink?: DocSink | undefined; fleetRuns?: number; changelogEntries?: number }): CrawlsRead {
  return {
    async byCluster() {
      const runs = await deps.runs.listRuns(deps.fleetRuns ?? 10);
      const ids = [...new Set(runs.flatMap((r) => r.clusterIds))].sort();
      return Promise.all(
        ids.map(async (clusterId) => {
          const recent = await deps.runs.listClusterCrawls(clusterId, 2);
          return { clusterId, last: recent[0], previous: recent[1], changelog: await changelogOf(deps.sink, clusterId, deps.changelogEntries ?? 3) };
        }),
      );
    },
  };
}

async function changelogOf(sink: DocSink | undefined, clusterId: string, entries: number): Promise<ChangelogEntry[]> {
  if (!sink) return [];
  let text: string | undefined;
  try {
    text = (await sink.read(`${clusterId}/CHANGELOG.md`))?.toString('utf8');
  } catch {
    return []; // a cluster id the sink refuses, or a sink outage: the table still shows the runs
  }
  return text ? parseChangelog(text, entries) : [];
}

/** `## <time>` headings, newest first, each with its bullet and sub-heading lines. */
export function parseChangelog(text: string, entries: number): ChangelogEntry[] {
  return text
    .split(/\n(?=## )/)
    .filter((block) => block.startsWith('## '))
    .slice(0, entries)
    .map((block) => {
      const [first, ...rest] = block.split('\n');
      return { heading: (first ?? '').slice(3).trim(), lines: rest.map((l) => l.trim()).filter((l) => l.length > 0) };
    });
}
