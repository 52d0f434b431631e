import type { ClusterTarget, DocSink, Notifier } from '@dbre/drivers';
import type { Logger } from 'pino';
import { readCluster } from '../crawl/read-cluster';
import { changeEntry, firstEntry, prependEntry } from '../history/changelog';
import { changeCount, diffSnapshots } from '../history/diff';
import { clusterTotals } from '../render/index-pages';
import { MARKDOWN, renderCluster } from '../render/render-cluster';
import { paths } from '../render/paths';
import { contentHashOf, finishSnapshot, parseSnapshot, RENDER_VERSION, type Snapshot } from '../snapshot';
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
 * One cluster, end to end: read it, compare with the published snapshot, and when it changed
 * render every page, write only what differs, prepend the changelog and notify.
 */
export async function publishCluster(deps: PublishClusterDeps, input: PublishClusterInput): Promise<ClusterOutcome> {
  const started = Date.now();
  const { sink, logger } = deps;
  const id = input.target.id;
  let previous: Snapshot | undefined;
  try {
    previous = parseSnapshot(await sink.read(paths.snapshot(id)), 'shallow');
  } catch (err) {
    logger?.warn({ clusterId: id, err: { message: (err as Error).message } }, 'previous snapshot unreadable; treating this crawl as the first');
  }

  input.onStage?.('crawl');
  const content = await readCluster({
    target: input.target,
    connectTimeoutMs: input.connectTimeoutMs,
    signal: input.signal,
    parallelism: input.parallelism,
    includeSchema: input.includeSchema,
    previous,
  });
  const hash = contentHashOf(content);
  const totals = { schemas: content.schemas.length, tables: content.schemas.reduce((n, s) => n + s.tables.length, 0) };
  const base = { clusterId: id, schemas: totals.schemas, tables: totals.tables, serverVersion: content.server.version, contentHash: hash };

  if (previous && previous.contentHash === hash && previous.generator?.renderVersion === RENDER_VERSION && !input.force) {
    return { ...base, changed: false, changes: 0, filesWritten: 0, filesUnchanged: 0, filesRemoved: 0, capturedAt: previous.capturedAt, durationMs: Date.now() - started };
  }

  const sameContent = previous?.contentHash === hash;
  const snapshot = finishSnapshot(content, sameContent && previous ? previous.capturedAt : input.crawledAt);
  input.onStage?.('render');
  input.signal?.throwIfAborted();
  const files = await renderCluster(snapshot, { svg: input.svg ?? true });

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

  input.onStage?.('write', `${files.size} files`);
  // schema.json last: a crash before it leaves the old snapshot, so the next crawl renders again.
  const snapshotFile = files.get(paths.snapshot(id))!;
  files.delete(paths.snapshot(id));
  const counts = await writeFiles(sink, files, 16, input.signal);
  const last = await sink.write(paths.snapshot(id), snapshotFile.content, snapshotFile.contentType);
  counts[last === 'written' ? 'written' : 'unchanged']++;
  files.set(paths.snapshot(id), snapshotFile);
  counts.removed = await removeStale(sink, paths.schemasRoot(id), new Set(files.keys()));

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

  return { ...base, changed: true, changes, filesWritten: counts.written, filesUnchanged: counts.unchanged, filesRemoved: counts.removed, capturedAt: snapshot.capturedAt, durationMs: Date.now() - started };
}
