import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableInput, TABLES, type TableDefinition } from './tables';

export interface DynamoConfig {
  /** Set locally (dynalite); unset on AWS. */
  endpoint?: string | undefined;
  region: string;
  tablePrefix: string;
}

export interface Dynamo {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tablePrefix: string;
  close(): void;
}

export function createDynamo(config: DynamoConfig): Dynamo {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.endpoint
      ? { endpoint: config.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 4,
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, doc, tablePrefix: config.tablePrefix, close: () => client.destroy() };
}

/** Creates missing tables (local stack and tests; Terraform owns them on AWS) and waits until active. */
export async function ensureTables(
  dynamo: Dynamo,
  defs: readonly TableDefinition[] = Object.values(TABLES),
): Promise<void> {
  for (const def of defs) {
    try {
      await dynamo.client.send(new CreateTableCommand(createTableInput(dynamo.tablePrefix, def)));
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
  }
  for (const def of defs) {
    for (let i = 0; i < 100; i++) {
      const out = await dynamo.client.send(new DescribeTableCommand({ TableName: `${dynamo.tablePrefix}${def.name}` }));
      if (out.Table?.TableStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Readiness: the DynamoDB endpoint answers. */
export function dynamoCheck(dynamo: Dynamo) {
  return {
    name: 'dynamodb',
    check: async (signal: AbortSignal) => {
      await dynamo.client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: signal });
    },
  };
}
