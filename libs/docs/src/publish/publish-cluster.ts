import type { ClusterTarget, DocSink, Notifier } from '@dbre/drivers';
import type { Logger } from 'pino';
import { readCluster } from '../crawl/read-cluster';
import { changeEntry, firstEntry, prependEntry } from '../history/changelog';
import { changeCount, diffSnapshots } from '../history/diff';
import { clusterTotals } from '../render/index-pages';
import { JSON_TYPE, MARKDOWN, renderCluster } from '../render/render-cluster';
import { paths } from '../render/paths';
import { parseSizeHistory, withPoint, type SizeHistory } from '../render/size-trend';
import { contentHashOf, finishSnapshot, parseSnapshot, RENDER_VERSION, toJson, type Snapshot } from '../snapshot';
import { readSummary, summarize } from './cluster-summary';
import { removeStale, writeFiles } from './write-files';

export interface PublishClusterDeps {
  sink: DocSink;
  logger?: Logger | undefined;
  /** Sends the change summary when set together with `notifyTo`. */
  notifier?: Notifier | undefined;
  notifyTo?: string | undefined;
}

export interface PublishClusterInput {
  target: ClusterTarget;
  /** Crawl time (ISO), written into a changed snapshot and its changelog entry. */
  crawledAt: string;
  runId?: string | undefined;
  signal?: AbortSignal | undefined;
  connectTimeoutMs?: number | undefined;
  parallelism?: number | undefined;
  includeSchema?: ((name: string) => boolean) | undefined;
  /** Render and write even when the snapshot is unchanged. */
  force?: boolean | undefined;
  /** Render SVG ER diagrams (default true). */
  svg?: boolean | undefined;
  onStage?: ((stage: 'crawl' | 'render' | 'write', detail?: string) => void) | undefined;
}

export interface ClusterOutcome {
  clusterId: string;
  /** false: the database did not change since the last published snapshot, nothing rendered. */
  changed: boolean;
  /** Changelog lines added (0 on the first snapshot). */
  changes: number;
  filesWritten: number;
  filesUnchanged: number;
  filesRemoved: number;
  schemas: number;
  tables: number;
  serverVersion: string;
  contentHash: string;
  capturedAt: string;
  durationMs: number;
}

/**
 * One cluster, end to end: read it, compare with what is published, and when it changed
 * render every page, write only what differs, prepend the changelog and notify.
 */
export async function publishCluster(deps: PublishClusterDeps, input: PublishClusterInput): Promise<ClusterOutcome> {
  const started = Date.now();
  const { sink, logger } = deps;
  const id = input.target.id;
  const published = await readSummary(sink, id);

  let previous: Snapshot | undefined;
  let previousLoaded = false;
  const loadPrevious = async () => {
    if (previousLoaded) return previous;
    previousLoaded = true;
    try {
      previous = parseSnapshot(await sink.read(paths.snapshot(id)), 'shallow');
    } catch (err) {
      logger?.warn({ clusterId: id, err: { message: (err as Error).message } }, 'previous snapshot unreadable; treating this crawl as the first');
    }
    return previous;
  };

  input.onStage?.('crawl');
  const read = await readCluster({
    target: input.target,
    connectTimeoutMs: input.connectTimeoutMs,
    signal: input.signal,
    parallelism: input.parallelism,
    includeSchema: input.includeSchema,
    stopIfFactsHash: published && published.renderVersion === RENDER_VERSION && !input.force ? published.factsHash : undefined,
    previous: loadPrevious,
  });
  if (read.unchanged && published) {
    return {
      clusterId: id,
      changed: false,
      changes: 0,
      filesWritten: 0,
      filesUnchanged: 0,
      filesRemoved: 0,
      schemas: published.totals.schemas,
      tables: published.totals.tables,
      serverVersion: published.server.version,
      contentHash: published.contentHash,
      capturedAt: published.capturedAt,
      durationMs: Date.now() - started,
    };
  }
  if (read.unchanged) throw new Error('unreachable: unchanged without a published summary');
  const content = read.content;
  const hash = contentHashOf(content);
  await loadPrevious();

  const sameContent = previous?.contentHash === hash;
  const snapshot = finishSnapshot(content, sameContent && previous ? previous.capturedAt : input.crawledAt);
  input.onStage?.('render');
  input.signal?.throwIfAborted();
  // Size history per schema: a point for this crawl when sizes moved.
  const sizes = new Map<string, SizeHistory>();
  await Promise.all(
    snapshot.schemas.map(async (s) => {
      const before = parseSizeHistory(await sink.read(paths.schemaSizes(id, s.name)), s.name);
      sizes.set(s.name, withPoint(before, s, input.crawledAt));
    }),
  );
  const files = await renderCluster(snapshot, { svg: input.svg ?? true, sizes });

  let changes = 0;
  let entry: string | undefined;
  if (!previous) entry = firstEntry(snapshot);
  else if (!sameContent) {
    const diff = diffSnapshots(previous, snapshot);
    changes = changeCount(diff);
    entry = changeEntry(snapshot, diff);
  }
  if (entry) {
    const existing = (await sink.read(paths.changelog(id)))?.toString('utf8');
    files.set(paths.changelog(id), { content: prependEntry(existing, id, entry), contentType: MARKDOWN });
  }

  input.onStage?.('write', `${files.size + 1} files`);
  // schema.json, then summary.json last: a crash before them leaves the old ones, so the next
  // crawl renders again.
  const snapshotFile = files.get(paths.snapshot(id));
  files.delete(paths.snapshot(id));
  const counts = await writeFiles(sink, files, 16, input.signal);
  const finals = [
    [paths.snapshot(id), snapshotFile?.content ?? toJson(snapshot)],
    [paths.summary(id), toJson(summarize(snapshot, read.factsHash))],
  ] as const;
  for (const [path, text] of finals) {
    counts[(await sink.write(path, text, JSON_TYPE)) === 'written' ? 'written' : 'unchanged']++;
  }
  const keep = new Set([...files.keys(), ...finals.map(([p]) => p)]);
  counts.removed = await removeStale(sink, paths.schemasRoot(id), keep);

  if (deps.notifier && deps.notifyTo && previous && entry && changes > 0) {
    const t = clusterTotals(snapshot);
    try {
      await deps.notifier.send({
        id: `docs-changes:${id}:${snapshot.contentHash.slice(0, 16)}`,
        kind: 'docs.changes',
        to: deps.notifyTo,
        text: `Database docs: ${changes} change${changes === 1 ? '' : 's'} on cluster ${id} (${t.schemas} schemas, ${t.tables} tables).\n${entry.split('\n').filter((l) => l.startsWith('- ')).slice(0, 20).join('\n')}`,
        data: { clusterId: id, changes, runId: input.runId, changelog: paths.changelog(id) },
      });
    } catch (err) {
      // The docs are published; a failed notification must not fail (and retry) the crawl.
      logger?.warn({ clusterId: id, err: { message: (err as Error).message } }, 'change notification failed');
    }
  }

  const totals = clusterTotals(snapshot);
  return {
    clusterId: id,
    changed: true,
    changes,
    filesWritten: counts.written,
    filesUnchanged: counts.unchanged,
    filesRemoved: counts.removed,
    schemas: totals.schemas,
    tables: totals.tables,
    serverVersion: snapshot.server.version,
    contentHash: snapshot.contentHash,
    capturedAt: snapshot.capturedAt,
    durationMs: Date.now() - started,
  };
}
