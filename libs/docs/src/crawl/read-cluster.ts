import type { ClusterTarget } from '@dbre/drivers';
import { auditLoggingOf } from '../parameters/audit-logging';
import { factsHashOf, SNAPSHOT_MINOR_VERSION, SNAPSHOT_VERSION, type SchemaEntry, type Snapshot, type SnapshotContent, type ViewReference } from '../snapshot';
import { openReadSession, type ReadSession } from './connection';
import { fillDdl, readSchemaFacts, tableFactsKey, type SchemaRef } from './read-schema';
import { compareText, text } from './rows';
import { fillViewReferences } from './view-references';

/** Never documented: the server's own schemas. */
export const SYSTEM_SCHEMAS = new Set(['information_schema', 'mysql', 'performance_schema', 'sys']);

/**
 * Global variables whose values move on their own (replication positions): kept out of the
 * snapshot so an idle server always gives the same one.
 */
export const VOLATILE_VARIABLES = new Set(['gtid_binlog_pos', 'gtid_binlog_state', 'gtid_current_pos', 'gtid_slave_pos', 'gtid_executed', 'gtid_purged', 'timestamp']);

export interface ReadClusterOptions {
  target: ClusterTarget;
  connectTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Connections used in parallel (default 3). */
  parallelism?: number | undefined;
  /** Which non-system schemas to read (default: all). */
  includeSchema?: ((name: string) => boolean) | undefined;
  /**
   * The facts hash of the published snapshot: when the facts read now hash the same, the crawl
   * stops before SHOW CREATE TABLE (the DDL follows from the facts) and reports `unchanged`.
   */
  stopIfFactsHash?: string | undefined;
  /** Loads the previous snapshot (only when needed): DDL of tables with unchanged facts is reused. */
  previous?: (() => Promise<Snapshot | undefined>) | undefined;
  onSchema?: ((done: number, total: number, schema: string) => void) | undefined;
}

export type ReadClusterResult = { unchanged: true; factsHash: string } | { unchanged: false; factsHash: string; content: SnapshotContent; ddlRead: number };

/** Runs `work` over `items` on one lane per session. */
async function lanes<T>(sessions: readonly ReadSession[], items: readonly T[], work: (session: ReadSession, item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    sessions.map(async (session) => {
      while (next < items.length) {
        const i = next++;
        await work(session, items[i] as T, i);
      }
    }),
  );
}

/** Reads one cluster into the content of a snapshot (everything but the capture time and hash). */
export async function readCluster(options: ReadClusterOptions): Promise<ReadClusterResult> {
  const { target } = options;
  const open = () => openReadSession({ target, connectTimeoutMs: options.connectTimeoutMs ?? 10_000, signal: options.signal });
  const sessions: ReadSession[] = [await open()];
  try {
    const main = sessions[0] as ReadSession;
    const [versionRow] = await main.query('SELECT VERSION() AS version, @@version_comment AS comment');
    const version = versionRow ? text(versionRow, 'version') : '';
    const versionComment = versionRow ? text(versionRow, 'comment') : '';
    const variableRows = await main.query('SHOW GLOBAL VARIABLES');
    const variables: Record<string, string> = {};
    for (const [name, value] of variableRows
      .map((r) => [text(r, 'Variable_name'), text(r, 'Value')] as const)
      .filter(([name]) => !VOLATILE_VARIABLES.has(name))
      .sort((a, b) => compareText(a[0], b[0]))) {
      variables[name] = value;
    }
    const schemata: SchemaRef[] = (await main.query('SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA'))
      .map((r) => ({ name: text(r, 'SCHEMA_NAME'), charset: text(r, 'DEFAULT_CHARACTER_SET_NAME'), collation: text(r, 'DEFAULT_COLLATION_NAME') }))
      .filter((s) => !SYSTEM_SCHEMAS.has(s.name.toLowerCase()) && (options.includeSchema?.(s.name) ?? true))
      .sort((a, b) => compareText(a.name, b.name));

    const extra = Math.max(0, (options.parallelism ?? 3) - 1);
    if (schemata.length > 0) {
      const more = await Promise.allSettled(Array.from({ length: extra }, open));
      for (const m of more) if (m.status === 'fulfilled') sessions.push(m.value);
    }

    // 1. Flat information_schema reads, schemas in parallel (one lane per connection).
    const schemas: SchemaEntry[] = new Array(schemata.length);
    let done = 0;
    await lanes(sessions, schemata, async (session, schema, i) => {
      schemas[i] = await readSchemaFacts(session, schema);
      options.onSchema?.(++done, schemata.length, schema.name);
    });
    const content: SnapshotContent = {
      snapshotVersion: SNAPSHOT_VERSION,
      snapshotMinorVersion: SNAPSHOT_MINOR_VERSION,
      clusterId: target.id,
      environment: target.environment,
      engine: target.engine,
      ...(target.description !== undefined ? { description: target.description } : {}),
      server: { version, versionComment, flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql' },
      variables,
      auditLogging: auditLoggingOf({ engine: target.engine, variables, logExports: target.logExports }),
      schemas,
    };
    const factsHash = factsHashOf(content);
    if (options.stopIfFactsHash !== undefined && options.stopIfFactsHash === factsHash) return { unchanged: true, factsHash };

    // 2. DDL, reusing the previous one for tables whose facts are unchanged.
    const previous = await options.previous?.();
    const previousDdl = new Map<string, Map<string, { key: string; ddl: string }>>();
    for (const s of previous?.schemas ?? []) previousDdl.set(s.name, new Map(s.tables.map((t) => [t.name, { key: tableFactsKey(t), ddl: t.ddl }])));
    const reuse = (schema: string) => {
      const before = previousDdl.get(schema);
      return before
        ? (t: Parameters<typeof tableFactsKey>[0]) => {
            const prev = before.get(t.name);
            return prev && prev.key === tableFactsKey(t) ? prev.ddl : undefined;
          }
        : undefined;
    };
    let ddlRead = 0;
    if (schemas.length >= sessions.length) {
      await lanes(sessions, schemas, async (session, schema) => {
        ddlRead += await fillDdl([session], schema, reuse(schema.name));
      });
    } else {
      for (const schema of schemas) ddlRead += await fillDdl(sessions, schema, reuse(schema.name));
    }
    // 3. What each view reads (parsed from its definition; the previous answer when unchanged).
    const previousViews = new Map<string, ViewReference[] | undefined>();
    for (const s of previous?.schemas ?? []) for (const v of s.views) if (v.references) previousViews.set(`${s.name}\0${v.name}\0${v.definition}`, v.references);
    await fillViewReferences(schemas, (schema, view, definition) => previousViews.get(`${schema}\0${view}\0${definition}`));
    return { unchanged: false, factsHash, content, ddlRead };
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}
