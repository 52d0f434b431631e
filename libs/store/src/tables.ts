import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * Every DynamoDB table the platform uses, defined once. Local set-up, tests and the Terraform
 * cross-check all read this list, so keys and indexes cannot drift apart.
 */
export interface TableDefinition {
  /** Logical name; the physical name is `${prefix}${name}`. */
  name: string;
  hashKey: string;
  rangeKey?: string;
  attributes: Record<string, 'S' | 'N'>;
  indexes?: Array<{ name: string; hashKey: string; rangeKey?: string }>;
}

export const TABLES = {
  /** Access requests; one item per request, every transition a conditional write on `version`. */
  requests: {
    name: 'requests',
    hashKey: 'id',
    attributes: { id: 'S', state: 'S', updatedAt: 'S', grantBucket: 'S', endsAt: 'S', requesterId: 'S' },
    indexes: [
      { name: 'by-state', hashKey: 'state', rangeKey: 'updatedAt' },
      // Sparse: only grants that hold resources carry `grantBucket`, so the sweep reads just those.
      { name: 'by-end', hashKey: 'grantBucket', rangeKey: 'endsAt' },
      { name: 'by-requester', hashKey: 'requesterId', rangeKey: 'id' },
    ],
  },
  /** Append-only, hash-chained audit events; `seq` orders a request's chain. */
  audit: {
    name: 'audit',
    hashKey: 'requestId',
    rangeKey: 'seq',
    attributes: { requestId: 'S', seq: 'N' },
  },
  /** Local SecretStore driver: AES-256-GCM encrypted items. */
  secrets: {
    name: 'secrets',
    hashKey: 'id',
    attributes: { id: 'S' },
  },
  /** Inbound deduplication (Slack retries, replays): one item per key, written conditionally. */
  idempotency: {
    name: 'idempotency',
    hashKey: 'key',
    attributes: { key: 'S' },
  },
  /** Doc-crawler runs: one item per cluster crawl. */
  crawls: {
    name: 'crawls',
    hashKey: 'clusterId',
    rangeKey: 'startedAt',
    attributes: { clusterId: 'S', startedAt: 'S' },
  },
  /** Schema reviews, for the dashboard's recent reviews. */
  reviews: {
    name: 'reviews',
    hashKey: 'id',
    attributes: { id: 'S' },
  },
  /** Notifications to people: every channel keeps a copy here (credentials sealed), readable over REST. */
  outbox: {
    name: 'outbox',
    hashKey: 'id',
    attributes: { id: 'S', to: 'S', createdAt: 'S' },
    indexes: [{ name: 'by-recipient', hashKey: 'to', rangeKey: 'createdAt' }],
  },
  /**
   * Warm pool of stopped bastions (libs/drivers aws/bastion-pool.ts): one item per instance, every
   * transition a conditional write. Sparse indexes: `availableIn` only while claimable,
   * `requestId` once claimed.
   */
  bastionPool: {
    name: 'bastion-pool',
    hashKey: 'instanceId',
    attributes: { instanceId: 'S', pool: 'S', launchedAt: 'S', availableIn: 'S', readyAt: 'S', requestId: 'S' },
    indexes: [
      { name: 'by-pool', hashKey: 'pool', rangeKey: 'launchedAt' },
      { name: 'available', hashKey: 'availableIn', rangeKey: 'readyAt' },
      { name: 'by-request', hashKey: 'requestId' },
    ],
  },
} satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof TABLES;

export function tableName(prefix: string, table: TableName): string {
  return `${prefix}${TABLES[table].name}`;
}

export function createTableInput(prefix: string, def: TableDefinition): CreateTableCommandInput {
  const keySchema = (hash: string, range?: string) => [
    { AttributeName: hash, KeyType: 'HASH' as const },
    ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: `${prefix}${def.name}`,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keySchema(def.hashKey, def.rangeKey),
    AttributeDefinitions: Object.entries(def.attributes).map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    ...(def.indexes?.length
      ? {
          GlobalSecondaryIndexes: def.indexes.map((ix) => ({
            IndexName: ix.name,
            KeySchema: keySchema(ix.hashKey, ix.rangeKey),
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  };
}
