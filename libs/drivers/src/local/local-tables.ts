import { ensureTables, TABLES, type Dynamo, type TableDefinition } from '@dbre/store';

/**
 * Tables of the local drivers. `bastions` is local-only (on AWS, EC2 and SSM hold that state)
 * and the forwarder creates it on start; `outbox` is one of the platform's TABLES.
 */
export const LOCAL_TABLES = {
  /** Local forwarders: the truth the forwarder host reconciles its listeners against. */
  bastions: { name: 'local-bastions', hashKey: 'id', attributes: { id: 'S' } },
  /** The notifier outbox is a platform table (Terraform creates it on AWS, where Slack adds to it). */
  outbox: TABLES.outbox,
  /** The warm pool of stopped bastions (AWS bastion driver with BASTION_POOL=on); Terraform creates it on AWS. */
  bastionPool: TABLES.bastionPool,
} satisfies Record<string, TableDefinition>;

export function localTableName(dynamo: Dynamo, table: keyof typeof LOCAL_TABLES): string {
  return `${dynamo.tablePrefix}${LOCAL_TABLES[table].name}`;
}

export async function ensureLocalTables(dynamo: Dynamo, tables: ReadonlyArray<keyof typeof LOCAL_TABLES>): Promise<void> {
  await ensureTables(dynamo, tables.map((t) => LOCAL_TABLES[t]));
}
