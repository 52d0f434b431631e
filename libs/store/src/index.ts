export { createDynamo, dynamoCheck, ensureTables, type Dynamo, type DynamoConfig } from './client';
export { startEmbeddedDynalite, type EmbeddedDynalite } from './embedded-dynalite';
export { createTableInput, TABLES, tableName, type TableDefinition, type TableName } from './tables';
