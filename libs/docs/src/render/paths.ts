import { segment } from './markdown';

/** Where every generated file lives in the sink; all names pass through `segment`. */
export const paths = {
  fleetIndex: 'index.md',
  snapshotJsonSchema: 'schema-snapshot.v1.json',
  environmentParameters: (env: string) => `parameters/${segment(env)}.md`,
  /** At the root (beside index.md), so no environment name can collide with it. */
  parameterDrift: 'parameter-drift.md',
  clusterRoot: (cluster: string) => `${segment(cluster)}/`,
  clusterIndex: (cluster: string) => `${segment(cluster)}/README.md`,
  snapshot: (cluster: string) => `${segment(cluster)}/schema.json`,
  status: (cluster: string) => `${segment(cluster)}/status.json`,
  summary: (cluster: string) => `${segment(cluster)}/summary.json`,
  parameters: (cluster: string) => `${segment(cluster)}/parameters.md`,
  changelog: (cluster: string) => `${segment(cluster)}/CHANGELOG.md`,
  schemasRoot: (cluster: string) => `${segment(cluster)}/schemas/`,
  schemaIndex: (cluster: string, schema: string) => `${segment(cluster)}/schemas/${segment(schema)}/README.md`,
  schemaSvg: (cluster: string, schema: string) => `${segment(cluster)}/schemas/${segment(schema)}/er.svg`,
  /** Schema overview pages: overview.svg, overview-2.svg, ... */
  schemaOverview: (cluster: string, schema: string, page: number) => `${segment(cluster)}/schemas/${segment(schema)}/overview${page > 1 ? `-${page}` : ''}.svg`,
  schemaSizes: (cluster: string, schema: string) => `${segment(cluster)}/schemas/${segment(schema)}/sizes.json`,
  schemaSizeSvg: (cluster: string, schema: string) => `${segment(cluster)}/schemas/${segment(schema)}/size.svg`,
  /** `x.size.svg` cannot collide with a table's own `<segment>.svg`: segment() encodes the dot. */
  tableSizeSvg: (cluster: string, schema: string, table: string) => `${segment(cluster)}/schemas/${segment(schema)}/tables/${segment(table)}.size.svg`,
  tableSvg: (cluster: string, schema: string, table: string) => `${segment(cluster)}/schemas/${segment(schema)}/tables/${segment(table)}.svg`,
  table: (cluster: string, schema: string, table: string) => `${segment(cluster)}/schemas/${segment(schema)}/tables/${segment(table)}.md`,
  view: (cluster: string, schema: string, view: string) => `${segment(cluster)}/schemas/${segment(schema)}/views/${segment(view)}.md`,
  routine: (cluster: string, schema: string, type: string, name: string) =>
    `${segment(cluster)}/schemas/${segment(schema)}/routines/${segment(type.toLowerCase())}-${segment(name)}.md`,
};
