import type { Snapshot, Table } from '../snapshot';
import { toJson } from '../snapshot';
import { renderSvg, schemaDot } from './er-svg';
import { renderClusterIndex, renderSchemaPage } from './index-pages';
import { renderRoutinePage, renderViewPage } from './object-pages';
import { paths } from './paths';
import { childrenIndex, tableKey } from './relations';
import { renderTablePage } from './table-page';

export interface RenderedFile {
  content: string;
  contentType: string;
}

export const MARKDOWN = 'text/markdown; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';
export const SVG = 'image/svg+xml';

/**
 * Every page of one cluster except the ones that need the whole fleet (parameters, fleet
 * index) and the changelog. Pure but for SVG rendering: same snapshot, same bytes.
 */
export async function renderCluster(snapshot: Snapshot, options: { svg?: boolean } = {}): Promise<Map<string, RenderedFile>> {
  const files = new Map<string, RenderedFile>();
  const cluster = snapshot.clusterId;
  const tables = new Map<string, Table>();
  for (const s of snapshot.schemas) for (const t of s.tables) tables.set(tableKey(s.name, t.name), t);
  const children = childrenIndex(snapshot);

  files.set(paths.clusterIndex(cluster), { content: renderClusterIndex(snapshot), contentType: MARKDOWN });
  for (const s of snapshot.schemas) {
    const withSvg = (options.svg ?? true) && s.tables.length > 0;
    if (withSvg) files.set(paths.schemaSvg(cluster, s.name), { content: await renderSvg(schemaDot(s)), contentType: SVG });
    files.set(paths.schemaIndex(cluster, s.name), { content: renderSchemaPage(s, snapshot, withSvg), contentType: MARKDOWN });
    for (const t of s.tables) {
      files.set(paths.table(cluster, s.name, t.name), { content: renderTablePage(t, { snapshot, schema: s.name, tables, children }), contentType: MARKDOWN });
    }
    for (const v of s.views) files.set(paths.view(cluster, s.name, v.name), { content: renderViewPage(v, snapshot, s.name), contentType: MARKDOWN });
    for (const r of s.routines) files.set(paths.routine(cluster, s.name, r.type, r.name), { content: renderRoutinePage(r, snapshot, s.name), contentType: MARKDOWN });
  }
  files.set(paths.snapshot(cluster), { content: toJson(snapshot), contentType: JSON_TYPE });
  return files;
}
