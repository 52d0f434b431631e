import { randomBytes } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startTestDynamo } from '@dbre/testing';
import { ensureTables, TABLES } from '@dbre/store';
import { SecretsManagerStore } from '../../src/aws';
import { createLocalSecretStore } from '../../src/local/secret-store';
import { installSecretsManagerFake } from './aws-fakes';
import { describeSecretStoreContract } from './contracts';

describeSecretStoreContract('SecretsManagerStore over a stateful Secrets Manager fake', async () => {
  const fake = installSecretsManagerFake();
  const store = new SecretsManagerStore(new SecretsManagerClient({ region: 'eu-west-1' }), { namePrefix: '', managedBy: 'dbre-platform' });
  return { store, dispose: async () => fake.restore() };
});

describeSecretStoreContract('local AES-GCM secret store', async () => {
  const env = await startTestDynamo();
  await ensureTables(env.dynamo, [TABLES.secrets]);
  return { store: createLocalSecretStore({ dynamo: env.dynamo, key: randomBytes(32) }), dispose: () => env.close() };
});
