import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { tableName, type Dynamo } from '@dbre/store';
import type { SecretStore, SecretTags } from '../ports';

/** Raised at start-up for a key that is not 32 bytes of base64: never run with a weak key. */
export class SecretKeyError extends Error {
  readonly code = 'SECRET_KEY_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** Parses the AES-256 key from its configured base64 form (e.g. `openssl rand -base64 32`). */
export function parseSecretKey(base64: string): Buffer {
  const trimmed = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) {
    throw new SecretKeyError('the secret-store key must be base64 (generate one with `openssl rand -base64 32`)');
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new SecretKeyError(`the secret-store key must be 32 bytes once decoded, got ${key.length} (generate one with \`openssl rand -base64 32\`)`);
  }
  if (key.every((b) => b === key[0])) throw new SecretKeyError('the secret-store key is a single repeated byte; generate a random one');
  return key;
}

export interface Sealed {
  iv: string;
  ciphertext: string;
  tag: string;
}

/** AES-256-GCM; `aad` binds the ciphertext to its id so items cannot be swapped. */
export function seal(key: Buffer, plaintext: string, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

export function unseal(key: Buffer, sealed: Sealed, aad: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
}

/**
 * Local SecretStore: one AES-256-GCM encrypted item per secret in the `secrets` table.
 * A value that fails authentication (wrong key, tampered item) is an error, never garbage.
 */
export function createLocalSecretStore(deps: { dynamo: Dynamo; key: Buffer }): SecretStore {
  if (deps.key.length !== 32) throw new SecretKeyError(`the secret-store key must be 32 bytes, got ${deps.key.length}`);
  const table = tableName(deps.dynamo.tablePrefix, 'secrets');
  const { doc } = deps.dynamo;
  return {
    async put(secretId: string, value: string, tags: SecretTags) {
      const sealed = seal(deps.key, value, secretId);
      await doc.send(new PutCommand({ TableName: table, Item: { id: secretId, ...sealed, tags, createdAt: new Date().toISOString() } }));
    },
    async get(secretId: string) {
      const out = await doc.send(new GetCommand({ TableName: table, Key: { id: secretId }, ConsistentRead: true }));
      if (!out.Item) return undefined;
      try {
        return unseal(deps.key, out.Item as unknown as Sealed, secretId);
      } catch (err) {
        throw new Error(`secret ${secretId} cannot be decrypted (wrong key or tampered item)`, { cause: err });
      }
    },
    async delete(secretId: string) {
      await doc.send(new DeleteCommand({ TableName: table, Key: { id: secretId } }));
    },
  };
}
