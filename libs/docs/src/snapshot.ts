import { createHash } from 'node:crypto';
import { z } from 'zod';
import { auditLoggingSchema } from './parameters/audit-logging';

/**
 * The machine-readable snapshot of one cluster (`<cluster>/schema.json`). Other services
 * (schema-review) read it: bump SNAPSHOT_VERSION and the JSON Schema file name on any
 * incompatible change; adding optional fields is compatible.
 */
export const SNAPSHOT_VERSION = 1;
/**
 * Compatible additions within version 1: 1.1 added foreign key `cardinality`, view column
 * `default`, view `references` / `tables`; 1.2 added `auditLogging`. Readers of 1.0 keep
 * working (the fields are new and optional).
 */
export const SNAPSHOT_MINOR_VERSION = 2;
export const SNAPSHOT_SCHEMA_ID = 'https://dbre-platform.local/schemas/schema-snapshot.v1.json';
export const SNAPSHOT_SCHEMA_FILE = 'schema-snapshot.v1.json';

const name = z.string().describe('identifier as the server reports it, unquoted');
const nullableText = z.string().nullable();

export const columnSchema = z.object({
  name,
  position: z.number().int().describe('ORDINAL_POSITION, 1-based'),
  type: z.string().describe('COLUMN_TYPE, e.g. bigint(20) unsigned'),
  dataType: z.string().describe('DATA_TYPE, e.g. bigint'),
  nullable: z.boolean(),
  default: nullableText.describe('COLUMN_DEFAULT as reported (MariaDB quotes string literals); null when none'),
  extra: z.string().describe('EXTRA, e.g. auto_increment, on update current_timestamp(), VIRTUAL GENERATED'),
  generated: z.enum(['VIRTUAL', 'STORED']).nullable(),
  generationExpression: nullableText,
  charset: nullableText,
  collation: nullableText,
  comment: z.string(),
});

export const indexSchema = z.object({
  name,
  unique: z.boolean(),
  primary: z.boolean(),
  type: z.string().describe('BTREE, HASH, FULLTEXT, SPATIAL'),
  columns: z.array(
    z.object({
      name: z.string().nullable().describe('null for a functional key part'),
      subPart: z.number().int().nullable().describe('prefix length, null when the whole column'),
      descending: z.boolean(),
      expression: nullableText,
    }),
  ),
  comment: z.string(),
  visible: z.boolean(),
});

export const cardinalitySchema = z
  .object({
    child: z.enum(['zero-or-one', 'zero-or-more']).describe('rows of this table per parent row: zero-or-one when the FK columns are unique (a primary key or unique index covers them)'),
    parent: z.enum(['exactly-one', 'zero-or-one']).describe('parent rows per row of this table: zero-or-one when an FK column is nullable'),
  })
  .describe('since 1.1; derived from the keys and nullability of this table');

export const foreignKeySchema = z.object({
  name,
  columns: z.array(z.string()),
  referencedSchema: z.string(),
  referencedTable: z.string(),
  referencedColumns: z.array(z.string()),
  onUpdate: z.string(),
  onDelete: z.string(),
  cardinality: cardinalitySchema.optional(),
});

export const checkSchema = z.object({ name, clause: z.string() });

export const triggerSchema = z.object({
  name,
  timing: z.string().describe('BEFORE or AFTER'),
  event: z.string().describe('INSERT, UPDATE or DELETE'),
  order: z.number().int(),
  statement: z.string(),
  definer: z.string(),
});

export const partitioningSchema = z.object({
  method: z.string().describe('RANGE, LIST, HASH, KEY, RANGE COLUMNS, ...'),
  expression: nullableText,
  subMethod: nullableText,
  subExpression: nullableText,
  partitions: z.array(
    z.object({
      name,
      position: z.number().int(),
      description: nullableText.describe('VALUES LESS THAN / IN bound'),
      rowsEstimate: z.number().nullable(),
      subpartitions: z.array(z.string()),
      comment: z.string(),
    }),
  ),
});

export const tableSchema = z.object({
  name,
  engine: nullableText,
  rowFormat: nullableText,
  collation: nullableText,
  comment: z.string(),
  createOptions: z.string(),
  rowsEstimate: z.number().nullable().describe('TABLE_ROWS: an estimate for InnoDB'),
  dataLength: z.number().nullable(),
  indexLength: z.number().nullable(),
  autoIncrement: z.number().nullable().describe('next AUTO_INCREMENT value; excluded from ddl'),
  columns: z.array(columnSchema),
  primaryKey: z.array(z.string()).describe('primary key columns in order, empty when none'),
  indexes: z.array(indexSchema),
  foreignKeys: z.array(foreignKeySchema),
  checks: z.array(checkSchema),
  triggers: z.array(triggerSchema),
  partitioning: partitioningSchema.nullable(),
  ddl: z.string().describe('SHOW CREATE TABLE with AUTO_INCREMENT=n removed'),
});

export const viewReferenceSchema = z.object({
  schema: z.string(),
  name,
  kind: z.enum(['table', 'view', 'unknown']).describe('unknown: not among the crawled schemas'),
});

export const viewSchema = z.object({
  name,
  definition: z.string(),
  checkOption: z.string(),
  updatable: z.boolean(),
  securityType: z.string(),
  definer: z.string(),
  columns: z.array(
    z.object({
      name,
      type: z.string(),
      nullable: z.boolean(),
      comment: z.string(),
      default: nullableText.optional().describe('since 1.1: COLUMN_DEFAULT as reported (inherited from the base table column)'),
    }),
  ),
  references: z.array(viewReferenceSchema).optional().describe('since 1.1: the tables and views the definition reads (parsed); absent when it could not be parsed'),
  tables: z.array(z.string()).optional().describe('since 1.1: names of the referenced objects in the same schema (what schema-review reads)'),
});

export const routineSchema = z.object({
  name,
  type: z.enum(['PROCEDURE', 'FUNCTION', 'PACKAGE', 'PACKAGE BODY']),
  returns: nullableText.describe('DTD_IDENTIFIER of a function'),
  parameters: z.array(z.object({ mode: nullableText, name: z.string().nullable(), type: z.string() })),
  definition: z.string(),
  deterministic: z.boolean(),
  dataAccess: z.string(),
  securityType: z.string(),
  definer: z.string(),
  comment: z.string(),
});

export const schemaEntrySchema = z.object({
  name,
  charset: z.string(),
  collation: z.string(),
  tables: z.array(tableSchema),
  views: z.array(viewSchema),
  routines: z.array(routineSchema),
});

export const snapshotSchema = z.object({
  $schema: z.literal(SNAPSHOT_SCHEMA_ID).optional(),
  snapshotVersion: z.literal(SNAPSHOT_VERSION),
  snapshotMinorVersion: z.number().int().min(0).optional().describe('compatible additions within snapshotVersion; absent means 0'),
  clusterId: z.string().describe('the cluster id of the inventory ([a-z][a-z0-9-]+)'),
  environment: z.string().describe('dev, stg or prod'),
  engine: z.string().describe('aurora-mysql, mysql or mariadb'),
  description: z.string().optional(),
  capturedAt: z.string().describe('ISO time of the crawl that first saw this content'),
  generator: z.object({ name: z.string(), renderVersion: z.number().int() }).optional().describe('what wrote the pages; not part of contentHash'),
  contentHash: z.string().describe('sha256 of the snapshot without capturedAt and contentHash'),
  server: z.object({
    version: z.string().describe('SELECT VERSION()'),
    versionComment: z.string(),
    flavor: z.enum(['mariadb', 'mysql']),
  }),
  variables: z.record(z.string(), z.string()).describe('SHOW GLOBAL VARIABLES minus volatile ones, sorted'),
  auditLogging: auditLoggingSchema.optional(),
  schemas: z.array(schemaEntrySchema),
});

export type Column = z.output<typeof columnSchema>;
export type Index = z.output<typeof indexSchema>;
export type ForeignKey = z.output<typeof foreignKeySchema>;
export type Check = z.output<typeof checkSchema>;
export type Trigger = z.output<typeof triggerSchema>;
export type Partitioning = z.output<typeof partitioningSchema>;
export type Table = z.output<typeof tableSchema>;
export type View = z.output<typeof viewSchema>;
export type ViewReference = z.output<typeof viewReferenceSchema>;
export type Cardinality = z.output<typeof cardinalitySchema>;
export type Routine = z.output<typeof routineSchema>;
export type SchemaEntry = z.output<typeof schemaEntrySchema>;
export type Snapshot = z.output<typeof snapshotSchema>;
export type SnapshotContent = Omit<Snapshot, 'capturedAt' | 'contentHash' | '$schema' | 'generator'>;

/** Bump when page rendering changes, so unchanged databases are rendered again once. */
export const RENDER_VERSION = 2;

/** JSON with object keys in insertion order, 2-space indented, trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The content hash: everything but the capture time, so an unchanged database hashes the same. */
export function contentHashOf(content: SnapshotContent): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/**
 * Hash of the facts read from information_schema, taken before SHOW CREATE TABLE (every `ddl`
 * is still ''): the DDL is derived from the facts, so equal facts hashes mean an unchanged
 * database. (No JSON replacer: it makes stringify several times slower on 5,000 tables.)
 */
export function factsHashOf(content: SnapshotContent): string {
  const blank = content.schemas.every((s) => s.tables.every((t) => t.ddl === ''));
  if (!blank) throw new Error('factsHashOf needs the content before the DDL is read');
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

export function finishSnapshot(content: SnapshotContent, capturedAt: string): Snapshot {
  return {
    $schema: SNAPSHOT_SCHEMA_ID,
    snapshotVersion: content.snapshotVersion,
    snapshotMinorVersion: content.snapshotMinorVersion,
    clusterId: content.clusterId,
    environment: content.environment,
    engine: content.engine,
    ...(content.description !== undefined ? { description: content.description } : {}),
    capturedAt,
    generator: { name: 'dbre doc-crawler', renderVersion: RENDER_VERSION },
    contentHash: contentHashOf(content),
    server: content.server,
    variables: content.variables,
    ...(content.auditLogging !== undefined ? { auditLogging: content.auditLogging } : {}),
    schemas: content.schemas,
  };
}

/**
 * Parses a stored snapshot; undefined when absent. `full` validates every field (what another
 * service reading schema.json should do); `shallow` checks the version and the top-level shape
 * only, for the crawler re-reading its own file (full validation of 5,000 tables costs ~0.3 s).
 */
export function parseSnapshot(text: string | Buffer | undefined, mode: 'full' | 'shallow' = 'full'): Snapshot | undefined {
  if (text === undefined) return undefined;
  const data: unknown = JSON.parse(text.toString());
  if (mode === 'shallow') {
    const d = data as Partial<Snapshot> | null;
    if (d && d.snapshotVersion === SNAPSHOT_VERSION && typeof d.contentHash === 'string' && typeof d.clusterId === 'string' && d.server && d.variables && Array.isArray(d.schemas)) return d as Snapshot;
    throw new Error(`invalid schema snapshot: not a version ${SNAPSHOT_VERSION} snapshot`);
  }
  const result = snapshotSchema.safeParse(data);
  if (!result.success) {
    throw new Error(`invalid schema snapshot: ${result.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

/** The JSON Schema of `schema.json`, generated from the zod schema above (committed as a file too). */
export function snapshotJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(snapshotSchema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
  return {
    $schema: generated['$schema'],
    $id: SNAPSHOT_SCHEMA_ID,
    title: `dbre-platform doc-crawler schema snapshot, version ${SNAPSHOT_VERSION}.${SNAPSHOT_MINOR_VERSION}`,
    description: 'One cluster as the doc-crawler read it from information_schema, SHOW CREATE TABLE and SHOW GLOBAL VARIABLES. Written to <cluster>/schema.json.',
    ...Object.fromEntries(Object.entries(generated).filter(([k]) => k !== '$schema')),
  };
}
