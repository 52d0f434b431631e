export * from './ports';
export { createForwarderBastion, createForwarderHost, bastionChannel, forwarderId, type ForwarderHost, type ForwarderRecord } from './local/forwarder-bastion';
export { createLocalSecretStore, parseSecretKey, SecretKeyError } from './local/secret-store';
export { createOutboxNotifier, type LocalOutbox, type OutboxMessage } from './local/outbox-notifier';
export { ensureLocalTables, LOCAL_TABLES, localTableName } from './local/local-tables';
export { clusterTargets, createConfigInventory, createStaticInventory, type ConfigInventoryOptions } from './local/config-inventory';
export { createFolderSink, SinkPathError, sinkPathSegments, type FolderSink } from './local/folder-sink';
export * from './aws';
export * from './select';
