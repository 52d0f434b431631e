import { ensureTables, type Dynamo, type TableDefinition } from '@dbre/store';

/**
 * Tables only the local drivers use (on AWS, EC2/SSM and Slack hold this state). They live
 * beside the drivers, not in the platform's TABLES, and each driver creates them on start.
 */
export const LOCAL_TABLES = {
  /** Local forwarders: the truth the forwarder host reconciles its listeners against. */
  bastions: { name: 'local-bastions', hashKey: 'id', attributes: { id: 'S' } },
  /** Local notifier outbox: one item per notification id, readable over REST. */
  outbox: {
    name: 'local-outbox',
    hashKey: 'id',
    attributes: { id: 'S', to: 'S', createdAt: 'S' },
    indexes: [{ name: 'by-recipient', hashKey: 'to', rangeKey: 'createdAt' }],
  },
} satisfies Record<string, TableDefinition>;

export function localTableName(dynamo: Dynamo, table: keyof typeof LOCAL_TABLES): string {
  return `${dynamo.tablePrefix}${LOCAL_TABLES[table].name}`;
}

export async function ensureLocalTables(dynamo: Dynamo, tables: ReadonlyArray<keyof typeof LOCAL_TABLES>): Promise<void> {
  await ensureTables(dynamo, tables.map((t) => LOCAL_TABLES[t]));
}
