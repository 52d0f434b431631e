import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createDynamo, createTableInput, dynamoCheck, ensureTables, isConditionalCheckFailed, startEmbeddedDynalite, StoreError, TABLES, tableName } from '../src';

// Table definitions, the client factory, table creation, the readiness check and the embedded dynalite.

describe('table definitions', () => {
  it('names a physical table prefix + logical name', () => {
    expect(tableName('dev-', 'requests')).toBe('dev-requests');
    expect(tableName('', 'bastionPool')).toBe('bastion-pool');
  });

  it('turns a hash + range table without indexes into a CreateTable input', () => {
    expect(createTableInput('p-', TABLES.audit)).toEqual({
      TableName: 'p-audit',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'requestId', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'requestId', AttributeType: 'S' },
        { AttributeName: 'seq', AttributeType: 'N' },
      ],
    });
    expect(createTableInput('p-', { name: 'plain', hashKey: 'id', attributes: { id: 'S' }, indexes: [] })).toEqual({
      TableName: 'p-plain',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    });
  });

  it('projects every attribute into each index, hash-only indexes included', () => {
    expect(createTableInput('', TABLES.bastionPool).GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'by-pool',
        KeySchema: [
          { AttributeName: 'pool', KeyType: 'HASH' },
          { AttributeName: 'launchedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'available',
        KeySchema: [
          { AttributeName: 'availableIn', KeyType: 'HASH' },
          { AttributeName: 'readyAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      { IndexName: 'by-request', KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
    ]);
  });
});

describe('errors', () => {
  it('a StoreError keeps its code, kind, cause and details; only a conditional-check failure counts as one', () => {
    const cause = new Error('low level');
    const err = new StoreError('REQUEST_CONFLICT', 'conflict', 'it moved', { cause, details: { id: 'x' } });
    expect(err).toMatchObject({ name: 'StoreError', code: 'REQUEST_CONFLICT', kind: 'conflict', message: 'it moved', cause, details: { id: 'x' } });
    const bare = new StoreError('REQUEST_NOT_FOUND', 'not_found', 'gone');
    expect(bare.cause).toBeUndefined();
    expect(bare.details).toBeUndefined();
    expect(isConditionalCheckFailed(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' }))).toBe(true);
    expect(isConditionalCheckFailed(Object.assign(new Error('x'), { name: 'ValidationException' }))).toBe(false);
    expect(isConditionalCheckFailed({ name: 'ConditionalCheckFailedException' })).toBe(false);
    expect(isConditionalCheckFailed(undefined)).toBe(false);
  });
});

describe('dynalite, tables and readiness', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('creates every table once; a second ensureTables is harmless, a bad definition is not', async () => {
    const server = await startEmbeddedDynalite();
    const dynamo = createDynamo({ endpoint: server.endpoint, region: 'us-east-1', tablePrefix: 'sm-' });
    try {
      expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await ensureTables(dynamo);
      await ensureTables(dynamo);
      const listed = (await dynamo.client.send(new ListTablesCommand({}))).TableNames ?? [];
      expect(listed.sort()).toEqual(Object.values(TABLES).map((t) => `sm-${t.name}`).sort());
      const requests = await dynamo.client.send(new DescribeTableCommand({ TableName: 'sm-requests' }));
      expect(requests.Table?.TableStatus).toBe('ACTIVE');
      expect(requests.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['by-end', 'by-requester', 'by-state']);
      // Table names need three characters: DynamoDB's refusal reaches the caller.
      const short = createDynamo({ endpoint: server.endpoint, region: 'us-east-1', tablePrefix: '' });
      try {
        await expect(ensureTables(short, [{ name: 'x', hashKey: 'id', attributes: { id: 'S' } }])).rejects.toMatchObject({ name: 'ValidationException' });
        // A well-named table with a refused definition: the refusal itself, not the missing table found later.
        await expect(ensureTables(short, [{ name: 'refused', hashKey: 'id', attributes: {} }])).rejects.toMatchObject({ name: 'ValidationException' });
      } finally {
        short.close();
      }
    } finally {
      dynamo.close();
      await server.close();
    }
  });

  it('the client tries a call four times, drops undefined attributes and refuses a class instance rather than store it as a map', async () => {
    const server = await startEmbeddedDynalite();
    const dynamo = createDynamo({ endpoint: server.endpoint, region: 'us-east-1', tablePrefix: 'mo-' });
    try {
      expect(await dynamo.client.config.maxAttempts()).toBe(4);
      await ensureTables(dynamo, [TABLES.requests]);
      await dynamo.doc.send(new PutCommand({ TableName: 'mo-requests', Item: { id: 'plain', note: undefined, n: 1, resources: { dbUser: 'u', bastionId: undefined }, list: [1, undefined] } }));
      expect((await dynamo.doc.send(new GetCommand({ TableName: 'mo-requests', Key: { id: 'plain' } }))).Item).toEqual({ id: 'plain', n: 1, resources: { dbUser: 'u' }, list: [1] });
      class Box {
        v = 1;
      }
      await expect(dynamo.doc.send(new PutCommand({ TableName: 'mo-requests', Item: { id: 'boxed', box: new Box() } }))).rejects.toThrow('Unsupported type passed: [object Object]');
      expect((await dynamo.doc.send(new GetCommand({ TableName: 'mo-requests', Key: { id: 'boxed' } }))).Item).toBeUndefined();
    } finally {
      dynamo.close();
      await server.close();
    }
  });

  it('returns only once every table it created is ACTIVE (a real DynamoDB takes a while)', async () => {
    const server = dynalite({ createTableMs: 300 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const dynamo = createDynamo({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', tablePrefix: 'slow-' });
    try {
      await ensureTables(dynamo, [TABLES.requests, TABLES.audit]);
      for (const name of ['slow-requests', 'slow-audit']) expect((await dynamo.client.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus).toBe('ACTIVE');
    } finally {
      dynamo.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the readiness check answers while dynalite runs and fails once it is gone', async () => {
    const server = await startEmbeddedDynalite({ port: 0, host: '127.0.0.1' });
    const dynamo = createDynamo({ endpoint: server.endpoint, region: 'us-east-1', tablePrefix: 'rd-' });
    try {
      const check = dynamoCheck(dynamo);
      expect(check.name).toBe('dynamodb');
      await expect(check.check(new AbortController().signal)).resolves.toBeUndefined();
      const aborted = new AbortController();
      aborted.abort();
      await expect(check.check(aborted.signal)).rejects.toThrow();
      await server.close();
      await expect(check.check(new AbortController().signal)).rejects.toThrow();
    } finally {
      dynamo.close();
    }
  });

  it('on disk, data survives a restart in the same directory (a directory it creates)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sm-dynalite-'));
    dirs.push(dir);
    const where = path.join(dir, 'nested', 'data');
    const first = await startEmbeddedDynalite({ path: where });
    const a = createDynamo({ endpoint: first.endpoint, region: 'us-east-1', tablePrefix: 'disk-' });
    await ensureTables(a, [TABLES.idempotency]);
    await a.doc.send(new PutCommand({ TableName: 'disk-idempotency', Item: { key: 'k1', at: 'then' } }));
    a.close();
    await first.close();

    const second = await startEmbeddedDynalite({ path: where });
    const b = createDynamo({ endpoint: second.endpoint, region: 'us-east-1', tablePrefix: 'disk-' });
    try {
      expect((await b.doc.send(new GetCommand({ TableName: 'disk-idempotency', Key: { key: 'k1' } }))).Item).toEqual({ key: 'k1', at: 'then' });
    } finally {
      b.close();
      await second.close();
    }
  });

  it('a taken port is refused at start', async () => {
    const first = await startEmbeddedDynalite();
    try {
      const port = Number(new URL(first.endpoint).port);
      await expect(startEmbeddedDynalite({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});
