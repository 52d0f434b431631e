import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/**
 * The part of the doc-crawler's `schema.json` the reviewer reads. The crawler owns the full
 * format; unknown fields pass through, and a few spellings are accepted so the reviewer keeps
 * working while that format settles.
 */
const num = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).nullish();

const snapshotColumn = z.looseObject({
  name: z.string(),
  /** Full column type, e.g. `varchar(255)`, `bigint unsigned`. */
  type: z.string().optional(),
  columnType: z.string().optional(),
  nullable: z.boolean().optional(),
  default: z.string().nullish(),
});

const snapshotIndexColumn = z.union([
  z.string(),
  /** name is null for a functional key part (the crawler then gives `expression`). */
  z.looseObject({ name: z.string().nullable(), prefix: num, subPart: num, expression: z.string().nullish() }),
]);

const snapshotIndex = z.looseObject({
  name: z.string(),
  unique: z.boolean().optional(),
  primary: z.boolean().optional(),
  /** BTREE, FULLTEXT, SPATIAL, HASH. */
  type: z.string().optional(),
  columns: z.array(snapshotIndexColumn).default([]),
});

const snapshotTable = z.looseObject({
  name: z.string(),
  engine: z.string().nullish(),
  rowFormat: z.string().nullish(),
  /** The crawler writes `rowsEstimate` (TABLE_ROWS); `rows` is accepted too. */
  rows: num,
  rowsEstimate: num,
  dataLength: num,
  indexLength: num,
  columns: z.array(snapshotColumn).default([]),
  indexes: z.array(snapshotIndex).default([]),
});

const snapshotView = z.looseObject({
  name: z.string(),
  definition: z.string().nullish(),
  /** Tables the view reads, when the crawler resolved them. */
  tables: z.array(z.string()).optional(),
});

const snapshotSchema = z.looseObject({
  name: z.string(),
  tables: z.array(snapshotTable).default([]),
  views: z.array(snapshotView).default([]),
});

const snapshotCluster = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  schemas: z.array(snapshotSchema).default([]),
});

const server = z.looseObject({ version: z.string().optional(), flavor: z.string().optional() }).optional();

/**
 * The doc-crawler writes one cluster per file (`{ snapshotVersion: 1, clusterId, capturedAt,
 * server, schemas }`, libs/docs/src/snapshot.ts); `{ clusters: [...] }` is accepted too.
 */
export const schemaSnapshot = z.union([
  z.looseObject({ generatedAt: z.string().optional(), capturedAt: z.string().optional(), server, clusters: z.array(snapshotCluster) }),
  snapshotCluster.extend({ generatedAt: z.string().optional(), capturedAt: z.string().optional(), cluster: z.string().optional(), clusterId: z.string().optional(), server }),
]);

export type SnapshotTable = z.output<typeof snapshotTable>;
export type SnapshotView = z.output<typeof snapshotView>;
export type SnapshotSchema = z.output<typeof snapshotSchema>;
type SnapshotCluster = z.output<typeof snapshotCluster>;

/** One schema of one cluster as the rules see it. */
export interface LiveSchema {
  cluster: string;
  schema: string;
  generatedAt?: string;
  /** `SELECT VERSION()` of the crawled server, e.g. 8.0.32 or 10.11.6-MariaDB. */
  serverVersion?: string;
  /** Lower-case table name -> table. */
  tables: Map<string, SnapshotTable>;
  views: SnapshotView[];
}

export type SnapshotLookup =
  | { status: 'found'; live: LiveSchema; file: string }
  | { status: 'missing'; reason: string };

export function liveSchemaFrom(data: unknown, cluster: string, schema: string): LiveSchema | string {
  const parsed = schemaSnapshot.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `the snapshot does not match the expected format (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`;
  }
  const snap = parsed.data;
  const multi = snap as { clusters?: SnapshotCluster[] };
  const clusters: SnapshotCluster[] = Array.isArray(multi.clusters) ? multi.clusters : [snap as SnapshotCluster];
  const c = clusters.length === 1 ? clusters[0] : clusters.find((x) => x.id === cluster || x.name === cluster || x['clusterId'] === cluster);
  if (!c) return `the snapshot has no cluster ${cluster}`;
  const s = c.schemas.find((x) => x.name.toLowerCase() === schema.toLowerCase());
  if (!s) return `the snapshot of ${cluster} has no schema ${schema}`;
  const live: LiveSchema = {
    cluster,
    schema: s.name,
    tables: new Map(s.tables.map((t) => [t.name.toLowerCase(), t])),
    views: s.views,
  };
  const when = snap.capturedAt ?? snap.generatedAt;
  if (when) live.generatedAt = when;
  if (snap.server?.version) live.serverVersion = snap.server.version;
  return live;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Reads a cluster's latest `schema.json` from wherever it is published (e.g. a DocSink); undefined when absent. */
export type SnapshotReader = (clusterId: string) => Promise<Buffer | undefined>;

/**
 * Reads the doc-crawler's latest snapshot of a cluster: `<dir>/<cluster>/schema.json` when given a
 * folder, or through a reader (e.g. the DocSink, `<cluster>/schema.json`). Never throws: a missing
 * or unreadable snapshot is a reason the review states.
 */
export async function loadLiveSchema(source: string | SnapshotReader, cluster: string, schema: string): Promise<SnapshotLookup> {
  if (!SAFE_NAME.test(cluster) || cluster.includes('..')) return { status: 'missing', reason: `"${cluster}" is not a valid cluster id` };
  const file = typeof source === 'string' ? path.join(source, cluster, 'schema.json') : `${cluster}/schema.json`;
  let text: string;
  if (typeof source === 'string') {
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return { status: 'missing', reason: `no doc-crawler snapshot at ${file}` };
    }
  } else {
    let body: Buffer | undefined;
    try {
      body = await source(cluster);
    } catch (err) {
      return { status: 'missing', reason: `the doc-crawler snapshot ${file} could not be read (${(err as Error).message})` };
    }
    if (body === undefined) return { status: 'missing', reason: `no doc-crawler snapshot at ${file} in the doc sink` };
    text = body.toString('utf8');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { status: 'missing', reason: `the snapshot ${file} is not valid JSON (${(err as Error).message})` };
  }
  const live = liveSchemaFrom(data, cluster, schema);
  return typeof live === 'string' ? { status: 'missing', reason: live } : { status: 'found', live, file };
}

export function tableBytes(t: SnapshotTable): number {
  return (t.dataLength ?? 0) + (t.indexLength ?? 0);
}

export function columnType(c: z.output<typeof snapshotColumn>): string {
  return (c.type ?? c.columnType ?? '').toLowerCase();
}

export function indexColumnNames(i: z.output<typeof snapshotIndex>): Array<{ name: string; length?: number }> {
  return i.columns.map((c) => {
    if (typeof c === 'string') return { name: c };
    const name = c.name ?? `(${c.expression ?? 'expression'})`;
    const len = c.prefix ?? c.subPart;
    return len ? { name, length: len } : { name };
  });
}

export function tableRows(t: SnapshotTable): number | undefined {
  return t.rowsEstimate ?? t.rows ?? undefined;
}
