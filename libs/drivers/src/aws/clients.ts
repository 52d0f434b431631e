import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';

/** SDK clients by region, created on first use; credentials come from the default chain. */
export interface AwsClients {
  ec2(region: string): EC2Client;
  ssm(region: string): SSMClient;
  rds(region: string): RDSClient;
  secrets(region: string): SecretsManagerClient;
  s3(region: string, options?: { endpoint?: string; forcePathStyle?: boolean }): S3Client;
  /** CloudWatch Logs (Aurora Advanced Auditing records). */
  logs(region: string): CloudWatchLogsClient;
}

export function createAwsClients(): AwsClients {
  const cache = new Map<string, unknown>();
  const memo = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  return {
    ec2: (region) => memo(`ec2:${region}`, () => new EC2Client({ region })),
    ssm: (region) => memo(`ssm:${region}`, () => new SSMClient({ region })),
    rds: (region) => memo(`rds:${region}`, () => new RDSClient({ region })),
    secrets: (region) => memo(`secrets:${region}`, () => new SecretsManagerClient({ region })),
    logs: (region) => memo(`logs:${region}`, () => new CloudWatchLogsClient({ region })),
    s3: (region, options = {}) =>
      memo(`s3:${region}:${options.endpoint ?? ''}:${options.forcePathStyle ?? false}`, () =>
        new S3Client({ region, ...(options.endpoint ? { endpoint: options.endpoint } : {}), forcePathStyle: options.forcePathStyle ?? false }),
      ),
  };
}
