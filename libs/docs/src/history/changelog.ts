import type { Snapshot } from '../snapshot';
import { clusterTotals } from '../render/index-pages';
import { changeCount, type ChangeSet } from './diff';

const HEADER_LINE = '# Changelog of cluster';

/** The first entry, when there is no previous snapshot. */
export function firstEntry(snapshot: Snapshot): string {
  const t = clusterTotals(snapshot);
  return `## ${snapshot.capturedAt}\n\n- first snapshot: ${t.schemas} schemas, ${t.tables} tables, ${t.views} views, ${t.routines} routines, ${Object.keys(snapshot.variables).length} parameters (server \`${snapshot.server.version}\`)\n`;
}

export function changeEntry(snapshot: Snapshot, changes: ChangeSet): string | undefined {
  if (changeCount(changes) === 0) return undefined;
  const lines = [`## ${snapshot.capturedAt}`, ''];
  if (changes.server.length) lines.push(...changes.server.map((l) => `- ${l}`));
  if (changes.schema.length) lines.push('### Schema', '', ...changes.schema.map((l) => `- ${l}`), '');
  if (changes.parameters.length) lines.push('### Parameters', '', ...changes.parameters.map((l) => `- ${l}`), '');
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** Inserts the entry at the top (newest first) below the header; creates the file if needed. */
export function prependEntry(existing: string | undefined, clusterId: string, entry: string): string {
  const header = `${HEADER_LINE} \`${clusterId}\`\n\nNewest first. Written by the doc-crawler from snapshot differences; sizes and row estimates are not listed.\n`;
  if (!existing || !existing.startsWith(HEADER_LINE)) return `${header}\n${entry}`;
  const firstEntryAt = existing.indexOf('\n## ');
  if (firstEntryAt < 0) return `${existing.replace(/\n+$/, '')}\n\n${entry}`;
  return `${existing.slice(0, firstEntryAt + 1)}${entry}\n${existing.slice(firstEntryAt + 1)}`;
}
