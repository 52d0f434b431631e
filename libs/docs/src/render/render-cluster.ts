import type { Snapshot, Table } from '../snapshot';
import { toJson } from '../snapshot';
import { schemaOverviewSvg, tableDiagramSvg } from './diagram-svg';
import { FULL_COLUMNS_UP_TO, renderSvg, schemaDot } from './er-svg';
import { compareText } from '../crawl/rows';
import { href } from './markdown';
import { growers, series, sizeChartSvg, type Growth, type SizeHistory } from './size-trend';
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
export async function renderCluster(snapshot: Snapshot, options: { svg?: boolean; sizes?: ReadonlyMap<string, SizeHistory> } = {}): Promise<Map<string, RenderedFile>> {
  const files = new Map<string, RenderedFile>();
  const cluster = snapshot.clusterId;
  const svg = options.svg ?? true;
  const tables = new Map<string, Table>();
  for (const s of snapshot.schemas) for (const t of s.tables) tables.set(tableKey(s.name, t.name), t);
  const children = childrenIndex(snapshot);
  const readers = new Map<string, Array<{ schema: string; name: string }>>();
  for (const s of snapshot.schemas) {
    for (const v of s.views) {
      for (const r of v.references ?? []) {
        const key = tableKey(r.schema, r.name);
        readers.set(key, [...(readers.get(key) ?? []), { schema: s.name, name: v.name }]);
      }
    }
  }

  const allGrowers: Growth[] = [];
  for (const s of snapshot.schemas) {
    const history = options.sizes?.get(s.name);
    if (history) allGrowers.push(...growers(history));
  }
  allGrowers.sort((a, b) => b.to - b.from - (a.to - a.from) || compareText(a.schema, b.schema) || compareText(a.table, b.table));
  files.set(paths.clusterIndex(cluster), { content: renderClusterIndex(snapshot, allGrowers), contentType: MARKDOWN });
  for (const s of snapshot.schemas) {
    const history = options.sizes?.get(s.name);
    if (history) files.set(paths.schemaSizes(cluster, s.name), { content: toJson(history), contentType: JSON_TYPE });
    const schemaChart = svg && history ? sizeChartSvg(`${s.name}: data + indexes`, series(history)) : undefined;
    if (schemaChart) files.set(paths.schemaSizeSvg(cluster, s.name), { content: schemaChart, contentType: SVG });
    const hasObjects = s.tables.length + s.views.length > 0;
    // Graphviz with every column while a schema is small enough to read that way; the overview always.
    const withEr = svg && s.tables.length > 0 && s.tables.length <= FULL_COLUMNS_UP_TO;
    if (withEr) files.set(paths.schemaSvg(cluster, s.name), { content: await renderSvg(schemaDot(s)), contentType: SVG });
    const overview = svg && hasObjects ? schemaOverviewSvg(s, { href: (name, kind) => href(paths.schemaOverview(cluster, s.name, 1), kind === 'table' ? paths.table(cluster, s.name, name) : paths.view(cluster, s.name, name)) }) : [];
    overview.forEach((page, i) => files.set(paths.schemaOverview(cluster, s.name, i + 1), { content: page.svg, contentType: SVG }));
    files.set(paths.schemaIndex(cluster, s.name), { content: renderSchemaPage(s, snapshot, { er: withEr, overviewPages: overview.length, sizeChart: schemaChart !== undefined, growers: history ? growers(history) : [] }), contentType: MARKDOWN });
    for (const t of s.tables) {
      const page = paths.table(cluster, s.name, t.name);
      const kids = children.get(tableKey(s.name, t.name)) ?? [];
      const reading = readers.get(tableKey(s.name, t.name)) ?? [];
      let diagram: string | undefined;
      if (svg) {
        const svgPath = paths.tableSvg(cluster, s.name, t.name);
        const hrefFrom = (schema: string, name: string, kind: 'table' | 'view') => {
          if (kind === 'table' && !tables.has(tableKey(schema, name))) return undefined;
          return href(svgPath, kind === 'table' ? paths.table(cluster, schema, name) : paths.view(cluster, schema, name));
        };
        files.set(svgPath, { content: tableDiagramSvg({ schema: s.name, table: t, tables, children: kids, readers: reading, href: hrefFrom }), contentType: SVG });
        diagram = href(page, svgPath);
      }
      const chart = svg && history ? sizeChartSvg(`${t.name}: data + indexes`, series(history, t.name)) : undefined;
      if (chart) files.set(paths.tableSizeSvg(cluster, s.name, t.name), { content: chart, contentType: SVG });
      files.set(page, { content: renderTablePage(t, { snapshot, schema: s.name, tables, children, readers, diagram, sizeChart: chart ? href(page, paths.tableSizeSvg(cluster, s.name, t.name)) : undefined }), contentType: MARKDOWN });
    }
    for (const v of s.views) files.set(paths.view(cluster, s.name, v.name), { content: renderViewPage(v, snapshot, s.name), contentType: MARKDOWN });
    for (const r of s.routines) files.set(paths.routine(cluster, s.name, r.type, r.name), { content: renderRoutinePage(r, snapshot, s.name), contentType: MARKDOWN });
  }
  files.set(paths.snapshot(cluster), { content: toJson(snapshot), contentType: JSON_TYPE });
  return files;
}
