export {
  createAccessAdmin,
  dropEventName,
  type AccessAdmin,
  type AccessAdminOptions,
  type AdminLogger,
  type ClusterConnection,
  type CreateUserInput,
  type DropReport,
  type Endpoint,
  type InstanceKillReport,
  type KillReport,
  type MysqlEngine,
  type PlatformUser,
  type RevokeReport,
} from './access-admin';
export { MysqlAdminError, mysqlErrno } from './errors';
export { accountName, grantScope, quoteIdentifier, validateIdentifier, type IdentifierKind } from './identifiers';
export { createGrantAdmin, type GrantAdmin } from './grant-admin';
