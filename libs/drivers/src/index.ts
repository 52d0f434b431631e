export * from './ports';
export { createForwarderBastion, createForwarderHost, bastionChannel, forwarderId, type ForwarderHost, type ForwarderRecord } from './local/forwarder-bastion';
export { createLocalSecretStore, parseSecretKey, SecretKeyError } from './local/secret-store';
export { createOutboxNotifier, type LocalOutbox, type OutboxMessage } from './local/outbox-notifier';
export { ensureLocalTables, LOCAL_TABLES, localTableName } from './local/local-tables';
export { clusterTargets, createConfigInventory, createStaticInventory, type ConfigInventoryOptions } from './local/config-inventory';
export { createFolderSink, SinkPathError, sinkPathSegments, type FolderSink } from './local/folder-sink';
export { createFolderEvidenceStore, type FolderEvidenceStore } from './local/folder-evidence-store';
export {
  AuditSourceError,
  createServerAuditLoggingCheck,
  createServerAuditSource,
  enableServerAudit,
  readServerAuditSettings,
  SERVER_AUDIT_EVENTS,
  serverAuditWarnings,
  type ServerAuditSettings,
  type ServerAuditSourceOptions,
  type SqlRunner,
} from './local/server-audit-source';
export { compareAuditRecords, parseAuditLine, sortAuditRecords } from './audit-log-line';
export { EvidenceExistsError, EvidenceKeyError, evidenceKeySegments } from './evidence-key';
// The AWS drivers' classes load the AWS SDK: import them from '@dbre/drivers/aws'. Here only their types and
// the SDK-free settings, so a service on the local drivers never loads the SDK.
export type * from './aws';
export { BASTION_DEFAULTS, bastionNetworksSchema, POOL_DEFAULTS, type BastionNetwork } from './aws/settings';
export * from './select';
export { credentialsSteps, mysqlCommand, PASSWORD_ELSEWHERE, renderCredentialsText, type CredentialsStep, type CredentialsSteps, type CredentialsTextInput } from './credentials-text';
