import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SecretsManagerStore } from '../../src/aws';

const sm = mockClient(SecretsManagerClient);
const named = (name: string, message = name) => Object.assign(new Error(message), { name });

beforeEach(() => sm.reset());

describe('SecretsManagerStore', () => {
  const store = () => new SecretsManagerStore(new SecretsManagerClient({}), { namePrefix: 'dbre/', managedBy: 'dbre-platform' });

  it('creates the secret under the prefix with tags', async () => {
    sm.on(CreateSecretCommand).resolves({});
    await store().put('grants/01JREQ', 'pw-1', { requestId: '01JREQ', requester: 'ana@example.com' });
    expect(sm).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: 'dbre/grants/01JREQ',
      SecretString: 'pw-1',
      Description: 'dbre-platform one-off credential for request 01JREQ',
      Tags: [
        { Key: 'managed-by', Value: 'dbre-platform' },
        { Key: 'dbre:requester', Value: 'ana@example.com' },
        { Key: 'dbre:request-id', Value: '01JREQ' },
      ],
    });
    expect(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input).not.toHaveProperty('KmsKeyId');
  });

  it('uses the configured KMS key', async () => {
    sm.on(CreateSecretCommand).resolves({});
    const key = 'alias/dbre-secrets';
    await new SecretsManagerStore(new SecretsManagerClient({}), { namePrefix: 'dbre/', managedBy: 'dbre-platform', kmsKeyId: key }).put('x', 'v', { requestId: 'r' });
    expect(sm).toHaveReceivedCommandWith(CreateSecretCommand, { KmsKeyId: key });
  });

  it('is idempotent: an existing secret gets the value as its current version', async () => {
    sm.on(CreateSecretCommand).rejects(named('ResourceExistsException', 'the secret dbre/x already exists'));
    sm.on(PutSecretValueCommand).resolves({});
    await store().put('x', 'pw-2', { requestId: 'r' });
    expect(sm).toHaveReceivedCommandWith(PutSecretValueCommand, { SecretId: 'dbre/x', SecretString: 'pw-2' });
  });

  it('passes other creation errors through', async () => {
    sm.on(CreateSecretCommand).rejects(named('AccessDeniedException', 'not allowed'));
    await expect(store().put('x', 'v', { requestId: 'r' })).rejects.toThrow('not allowed');
    expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('reads a value, and undefined for a missing or deleted secret', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'dbre/a' }).resolves({ SecretString: 'pw-a' });
    sm.on(GetSecretValueCommand, { SecretId: 'dbre/b' }).rejects(named('ResourceNotFoundException'));
    sm.on(GetSecretValueCommand, { SecretId: 'dbre/c' }).rejects(named('InvalidRequestException', 'marked for deletion'));
    sm.on(GetSecretValueCommand, { SecretId: 'dbre/d' }).rejects(named('ThrottlingException', 'slow down'));
    await expect(store().get('a')).resolves.toBe('pw-a');
    await expect(store().get('b')).resolves.toBeUndefined();
    await expect(store().get('c')).resolves.toBeUndefined();
    await expect(store().get('d')).rejects.toThrow('slow down');
  });

  it('deletes without a recovery window; a missing secret is already deleted', async () => {
    sm.on(DeleteSecretCommand, { SecretId: 'dbre/a' }).resolves({});
    sm.on(DeleteSecretCommand, { SecretId: 'dbre/gone' }).rejects(named('ResourceNotFoundException'));
    await store().delete('a');
    await store().delete('gone');
    expect(sm).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: 'dbre/a', ForceDeleteWithoutRecovery: true });
  });

  it('refuses ids Secrets Manager would refuse, before calling it', async () => {
    await expect(store().put('bad id!', 'v', { requestId: 'r' })).rejects.toThrow('invalid secret id "bad id!"');
    expect(sm.calls()).toHaveLength(0);
  });
});
