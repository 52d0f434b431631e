import type { DocSink } from '@dbre/drivers';
import type { RenderedFile } from '../render/render-cluster';

export interface WriteCounts {
  written: number;
  unchanged: number;
  removed: number;
}

/** Writes files through the sink, `concurrency` at a time; the sink skips identical content. */
export async function writeFiles(sink: DocSink, files: ReadonlyMap<string, RenderedFile>, concurrency = 16, signal?: AbortSignal): Promise<WriteCounts> {
  const entries = [...files.entries()];
  const counts: WriteCounts = { written: 0, unchanged: 0, removed: 0 };
  let next = 0;
  const lane = async () => {
    while (next < entries.length) {
      signal?.throwIfAborted();
      const [path, file] = entries[next++] as [string, RenderedFile];
      const result = await sink.write(path, file.content, file.contentType);
      counts[result === 'written' ? 'written' : 'unchanged']++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, lane));
  return counts;
}

/** Removes generated pages under `prefix` that the latest render did not produce (dropped tables). */
export async function removeStale(sink: DocSink, prefix: string, keep: ReadonlySet<string>): Promise<number> {
  if (!sink.remove) return 0;
  let removed = 0;
  for (const path of await sink.list(prefix)) {
    if (!keep.has(path) && (await sink.remove(path))) removed++;
  }
  return removed;
}
