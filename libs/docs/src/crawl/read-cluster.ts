import type { ClusterTarget } from '@dbre/drivers';
import { SNAPSHOT_VERSION, type SchemaEntry, type Snapshot, type SnapshotContent } from '../snapshot';
import { openReadSession, type ReadSession } from './connection';
import { readSchema, tableFactsKey } from './read-schema';
import { compareText, text } from './rows';

/** Never documented: the server's own schemas. */
export const SYSTEM_SCHEMAS = new Set(['information_schema', 'mysql', 'performance_schema', 'sys']);

/**
 * Global variables whose values move on their own (replication positions): kept out of the
 * snapshot so an idle server always gives the same one.
 */
export const VOLATILE_VARIABLES = new Set(['gtid_binlog_pos', 'gtid_binlog_state', 'gtid_current_pos', 'gtid_slave_pos', 'gtid_executed', 'gtid_purged', 'timestamp']);

export interface ReadClusterOptions {
  target: ClusterTarget;
  connectTimeoutMs?: number;
  signal?: AbortSignal | undefined;
  /** Connections used in parallel for SHOW CREATE TABLE (default 3). */
  parallelism?: number;
  /** Which non-system schemas to read (default: all). */
  includeSchema?: (name: string) => boolean;
  /** The previous snapshot: DDL of tables whose facts are unchanged is reused, not re-read. */
  previous?: Snapshot | undefined;
  onSchema?: (done: number, total: number, schema: string) => void;
}

/** Reads one cluster into the content of a snapshot (everything but the capture time and hash). */
export async function readCluster(options: ReadClusterOptions): Promise<SnapshotContent> {
  const { target } = options;
  const open = () => openReadSession({ target, connectTimeoutMs: options.connectTimeoutMs ?? 10_000, signal: options.signal });
  const sessions: ReadSession[] = [await open()];
  try {
    const main = sessions[0]!;
    const [versionRow] = await main.query('SELECT VERSION() AS version, @@version_comment AS comment');
    const version = versionRow ? text(versionRow, 'version') : '';
    const versionComment = versionRow ? text(versionRow, 'comment') : '';
    const variableRows = await main.query('SHOW GLOBAL VARIABLES');
    const variables: Record<string, string> = {};
    for (const row of variableRows
      .map((r) => [text(r, 'Variable_name'), text(r, 'Value')] as const)
      .filter(([name]) => !VOLATILE_VARIABLES.has(name))
      .sort((a, b) => compareText(a[0], b[0]))) {
      variables[row[0]] = row[1];
    }
    const schemata = (await main.query('SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA'))
      .map((r) => ({ name: text(r, 'SCHEMA_NAME'), charset: text(r, 'DEFAULT_CHARACTER_SET_NAME'), collation: text(r, 'DEFAULT_COLLATION_NAME') }))
      .filter((s) => !SYSTEM_SCHEMAS.has(s.name.toLowerCase()) && (options.includeSchema?.(s.name) ?? true))
      .sort((a, b) => compareText(a.name, b.name));

    const extra = Math.max(0, (options.parallelism ?? 3) - 1);
    if (schemata.length > 0) {
      const more = await Promise.allSettled(Array.from({ length: extra }, open));
      for (const m of more) if (m.status === 'fulfilled') sessions.push(m.value);
    }

    const previousDdl = new Map<string, Map<string, { key: string; ddl: string }>>();
    for (const s of options.previous?.schemas ?? []) {
      previousDdl.set(s.name, new Map(s.tables.map((t) => [t.name, { key: tableFactsKey(t), ddl: t.ddl }])));
    }

    const reuse = (schema: string) => {
      const before = previousDdl.get(schema);
      return before
        ? (table: string, key: string) => {
            const prev = before.get(table);
            return prev && prev.key === key ? prev.ddl : undefined;
          }
        : undefined;
    };
    const schemas: SchemaEntry[] = new Array(schemata.length);
    let done = 0;
    if (schemata.length >= sessions.length && sessions.length > 1) {
      // Many schemas: one lane per connection, each reading whole schemas (round trips overlap).
      let next = 0;
      await Promise.all(
        sessions.map(async (session) => {
          while (next < schemata.length) {
            const i = next++;
            const schema = schemata[i]!;
            schemas[i] = await readSchema({ sessions: [session], schema, reuseDdl: reuse(schema.name) });
            options.onSchema?.(++done, schemata.length, schema.name);
          }
        }),
      );
    } else {
      // Few schemas: every connection helps with SHOW CREATE TABLE.
      for (const [i, schema] of schemata.entries()) {
        schemas[i] = await readSchema({ sessions, schema, reuseDdl: reuse(schema.name) });
        options.onSchema?.(++done, schemata.length, schema.name);
      }
    }
    return {
      snapshotVersion: SNAPSHOT_VERSION,
      cluster: {
        id: target.id,
        environment: target.environment,
        engine: target.engine,
        ...(target.description !== undefined ? { description: target.description } : {}),
      },
      server: { version, versionComment, flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql' },
      variables,
      schemas,
    };
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}
