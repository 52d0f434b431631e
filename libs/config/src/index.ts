export { deploymentEnv, dynamoEnv, platformFileEnv, redisEnv } from './env';
export {
  clusterConfig,
  clusterId,
  environmentName,
  inventoryConfig,
  parseSection,
  readPlatformFile,
  resolvePassword,
  type ClusterConfig,
  type Credential,
} from './platform-file';
