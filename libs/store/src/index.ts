export { createDynamo, dynamoCheck, ensureTables, type Dynamo, type DynamoConfig } from './client';
export { startEmbeddedDynalite, type EmbeddedDynalite } from './embedded-dynalite';
export { createTableInput, TABLES, tableName, type TableDefinition, type TableName } from './tables';
export { isConditionalCheckFailed, StoreError } from './errors';
export {
  createRequestRepository,
  GRANT_BUCKET,
  QUARANTINE_METRIC,
  type ListOptions,
  type QuarantinedRecord,
  type StoreLogger,
  type Page,
  type RequestRepository,
  type TransitionResult,
} from './requests';
export { createAuditLog, type AuditLog } from './audit';
