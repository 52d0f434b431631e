import { randomBytes } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startTestDynamo } from '@dbre/testing';
import { tableName } from '@dbre/store';
import { createLocalSecretStore, parseSecretKey } from '../src';

describe('the local secret store', () => {
  let env: Awaited<ReturnType<typeof startTestDynamo>>;
  beforeAll(async () => {
    env = await startTestDynamo();
  });
  afterAll(() => env.close());

  it('refuses keys that are not 32 random bytes of base64', () => {
    expect(() => parseSecretKey('not base64 at all!')).toThrow(/must be base64/);
    expect(() => parseSecretKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes once decoded, got 16/);
    expect(() => parseSecretKey(Buffer.alloc(32).toString('base64'))).toThrow(/repeated byte/);
    expect(parseSecretKey(randomBytes(32).toString('base64'))).toHaveLength(32);
  });

  it('stores values encrypted, reads them back, deletes idempotently', async () => {
    const store = createLocalSecretStore({ dynamo: env.dynamo, key: randomBytes(32) });
    await store.put('s1', 'Pa55word-with-symbols!', { requestId: 'r1' });
    await store.put('s1', 'Pa55word-with-symbols!', { requestId: 'r1' });
    const raw = await env.dynamo.doc.send(new GetCommand({ TableName: tableName(env.dynamo.tablePrefix, 'secrets'), Key: { id: 's1' } }));
    expect(JSON.stringify(raw.Item)).not.toContain('Pa55word');
    expect(raw.Item).toMatchObject({ tags: { requestId: 'r1' } });
    expect(await store.get('s1')).toBe('Pa55word-with-symbols!');
    await store.delete('s1');
    await store.delete('s1');
    expect(await store.get('s1')).toBeUndefined();
  });

  it('refuses to decrypt with another key or a swapped item', async () => {
    const key = randomBytes(32);
    const store = createLocalSecretStore({ dynamo: env.dynamo, key });
    await store.put('a', 'alpha', { requestId: 'r' });
    await store.put('b', 'bravo', { requestId: 'r' });
    await expect(createLocalSecretStore({ dynamo: env.dynamo, key: randomBytes(32) }).get('a')).rejects.toThrow(/cannot be decrypted/);
    const table = tableName(env.dynamo.tablePrefix, 'secrets');
    const b = (await env.dynamo.doc.send(new GetCommand({ TableName: table, Key: { id: 'b' } }))).Item!;
    await env.dynamo.doc.send(
      new UpdateCommand({ TableName: table, Key: { id: 'a' }, UpdateExpression: 'SET iv = :iv, ciphertext = :c, tag = :t', ExpressionAttributeValues: { ':iv': b['iv'], ':c': b['ciphertext'], ':t': b['tag'] } }),
    );
    await expect(store.get('a')).rejects.toThrow(/tampered/);
  });
});
