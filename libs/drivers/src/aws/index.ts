export { awsErrorName, pollWithBackoff, realClock, type BackoffOptions, type Clock } from './backoff';
export { bastionUserData, type UserDataInput } from './bastion-user-data';
export { createAwsClients, type AwsClients } from './clients';
export { BASTION_DEFAULTS, BASTION_TAGS, BastionError, Ec2SsmBastion, type BastionAmiAge, type Ec2SsmBastionOptions } from './ec2-ssm-bastion';
export { InventoryRegionError, RDS_TAGS, RdsInventory, type RdsInventoryOptions, type RdsRegionClients } from './rds-inventory';
export { CONTENT_HASH_KEY, checkDocPath, S3DocSink, type S3DocSinkOptions } from './s3-doc-sink';
export { SecretsManagerStore, type SecretsManagerStoreOptions } from './secrets-manager-store';
