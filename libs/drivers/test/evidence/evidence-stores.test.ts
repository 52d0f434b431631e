import { GetObjectCommand, type GetObjectCommandOutput, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFolderEvidenceStore, EvidenceExistsError } from '../../src';
import { S3EvidenceStore } from '../../src/aws';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
// The part of the SDK's stream body the store reads.
const streamOf = (text: string) => ({ transformToByteArray: async () => new Uint8Array(Buffer.from(text)) }) as unknown as GetObjectCommandOutput['Body'];

describe('folder evidence store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidence-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes once, read-only, and refuses to overwrite', async () => {
    const store = createFolderEvidenceStore({ root: dir });
    const body = Buffer.from('{"a":1}');
    await store.put('evidence/01J/revoke.json', body, { contentType: 'application/json', sha256: sha(body) });
    expect((await stat(join(dir, 'evidence/01J/revoke.json'))).mode & 0o777).toBe(0o444);
    await expect(store.put('evidence/01J/revoke.json', Buffer.from('{"a":2}'), { contentType: 'application/json', sha256: sha('{"a":2}') })).rejects.toBeInstanceOf(EvidenceExistsError);
    await expect(store.get('evidence/01J/revoke.json')).resolves.toEqual(body);
    await expect(store.get('evidence/01J/none.json')).resolves.toBeUndefined();
  });

  it('lets exactly one of two concurrent puts win and leaves no temporary file', async () => {
    const store = createFolderEvidenceStore({ root: dir });
    const results = await Promise.allSettled(['x', 'y'].map((v) => store.put('anchors/0000000001.json', Buffer.from(v), { contentType: 'text/plain', sha256: sha(v) })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(EvidenceExistsError)]);
    await expect(store.list('')).resolves.toEqual(['anchors/0000000001.json']);
  });

  it('lists under a prefix and refuses keys that escape or are not plain', async () => {
    const store = createFolderEvidenceStore({ root: dir });
    for (const k of ['evidence/A/revoke.json', 'evidence/B/final.json', 'anchors/1.json']) await store.put(k, Buffer.from(k), { contentType: 'text/plain', sha256: sha(k) });
    await expect(store.list('evidence/')).resolves.toEqual(['evidence/A/revoke.json', 'evidence/B/final.json']);
    await expect(store.list('nothing/')).resolves.toEqual([]);
    for (const bad of ['../x', '/abs', 'a//b', 'a/./b', '.hidden', 'sp ace', '']) {
      await expect(store.put(bad, Buffer.from('x'), { contentType: 'text/plain', sha256: sha('x') })).rejects.toMatchObject({ code: 'EVIDENCE_KEY_INVALID' });
    }
  });
});

describe('S3 evidence store commands', () => {
  const makeMock = () => mockClient(S3Client);
  let mock: ReturnType<typeof makeMock>;
  beforeAll(() => {
    mock = makeMock();
  });
  afterAll(() => mock.restore());
  beforeEach(() => mock.reset());

  const now = Date.parse('2026-12-02T05:00:00.000Z');
  const store = () => new S3EvidenceStore(new S3Client({ region: 'eu-west-1' }), { bucket: 'dbre-evidence', prefix: 'prod/', retentionDays: 400 }, { now: () => now });

  it('creates the object only if absent, locked in COMPLIANCE mode, with its SHA-256 checksum', async () => {
    mock.on(PutObjectCommand).resolves({});
    const body = Buffer.from('{"format":"dbre-evidence/1"}');
    await store().put('evidence/01JABC/revoke.json', body, { contentType: 'application/json', sha256: sha(body) });
    expect(mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'dbre-evidence',
      Key: 'prod/evidence/01JABC/revoke.json',
      Body: body,
      ContentType: 'application/json',
      ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      Metadata: { 'content-sha256': sha(body) },
      IfNoneMatch: '*',
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date('2028-01-06T05:00:00.000Z'),
    });
  });

  it('reports an existing key (412) as EvidenceExistsError and refuses a body that does not match its hash', async () => {
    mock.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' }));
    await expect(store().put('evidence/01JABC/revoke.json', Buffer.from('x'), { contentType: 'application/json', sha256: sha('x') })).rejects.toBeInstanceOf(EvidenceExistsError);
    await expect(store().put('evidence/01JABC/revoke.json', Buffer.from('x'), { contentType: 'application/json', sha256: sha('y') })).rejects.toThrow('does not match');
    expect(mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });

  it('reads an object, a missing one as undefined, and lists every page', async () => {
    mock.on(GetObjectCommand, { Key: 'prod/evidence/A/revoke.json' }).resolves({ Body: streamOf('bundle') });
    mock.on(GetObjectCommand, { Key: 'prod/evidence/B/revoke.json' }).rejects(new S3ServiceException({ name: 'NoSuchKey', $fault: 'client', $metadata: { httpStatusCode: 404 } }));
    mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'prod/anchors/0000000002.json' }, { Key: 'prod/anchors/0000000001.json' }], IsTruncated: true, NextContinuationToken: 't1' })
      .resolvesOnce({ Contents: [{ Key: 'prod/anchors/0000000003.json' }], IsTruncated: false });
    await expect(store().get('evidence/A/revoke.json')).resolves.toEqual(Buffer.from('bundle'));
    await expect(store().get('evidence/B/revoke.json')).resolves.toBeUndefined();
    await expect(store().list('anchors/')).resolves.toEqual(['anchors/0000000001.json', 'anchors/0000000002.json', 'anchors/0000000003.json']);
    expect(mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'dbre-evidence', Prefix: 'prod/anchors/' },
      { Bucket: 'dbre-evidence', Prefix: 'prod/anchors/', ContinuationToken: 't1' },
    ]);
  });
});
