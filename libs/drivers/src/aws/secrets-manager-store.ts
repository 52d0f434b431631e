import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore, SecretTags } from '../ports';
import { awsErrorName } from './backoff';

export interface SecretsManagerStoreOptions {
  /** Prepended to every secret id, e.g. `dbre/`; IAM policies are scoped to it. */
  namePrefix: string;
  /** Customer-managed KMS key; Secrets Manager's `aws/secretsmanager` key when absent. */
  kmsKeyId?: string;
  /** Value of the `managed-by` tag. */
  managedBy: string;
}

/** Secrets Manager names: letters, digits and `/_+=.@-`, at most 512 characters. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9 _.:/=+\-@]/g, '_').slice(0, 256);
}

/** SecretStore on AWS Secrets Manager: idempotent put, delete without a recovery window. */
export class SecretsManagerStore implements SecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: SecretsManagerStoreOptions,
  ) {}

  name(secretId: string): string {
    const name = `${this.options.namePrefix}${secretId}`;
    if (!SECRET_NAME.test(name)) throw new Error(`invalid secret id ${JSON.stringify(secretId)}: letters, digits and /_+=.@- only`);
    return name;
  }

  /** Creates the secret, or stores the value as its current version when it exists already. */
  async put(secretId: string, value: string, tags: SecretTags): Promise<void> {
    const Name = this.name(secretId);
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name,
          SecretString: value,
          Description: `dbre-platform one-off credential for request ${tags.requestId}`,
          ...(this.options.kmsKeyId ? { KmsKeyId: this.options.kmsKeyId } : {}),
          Tags: [
            { Key: 'managed-by', Value: this.options.managedBy },
            ...Object.entries(tags)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([key, v]) => ({ Key: key === 'requestId' ? 'dbre:request-id' : `dbre:${key}`, Value: tagValue(v) })),
          ],
        }),
      );
    } catch (err) {
      if (awsErrorName(err) !== 'ResourceExistsException') throw err;
      await this.client.send(new PutSecretValueCommand({ SecretId: Name, SecretString: value }));
    }
  }

  async get(secretId: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.name(secretId) }));
      return out.SecretString;
    } catch (err) {
      const name = awsErrorName(err);
      // A secret scheduled for deletion answers InvalidRequestException: gone for our purposes.
      if (name === 'ResourceNotFoundException' || name === 'InvalidRequestException') return undefined;
      throw err;
    }
  }

  async delete(secretId: string): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: this.name(secretId), ForceDeleteWithoutRecovery: true }));
    } catch (err) {
      if (awsErrorName(err) === 'ResourceNotFoundException') return;
      throw err;
    }
  }
}
