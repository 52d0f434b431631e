import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHash } from 'node:crypto';
import { S3DocSink } from '../../src/aws';
import { startLoopbackS3, type LoopbackS3 } from './s3rver-harness';

describe('S3DocSink against s3rver on loopback', () => {
  let s3: LoopbackS3;
  beforeAll(async () => {
    s3 = await startLoopbackS3();
  });
  afterAll(async () => {
    await s3.stop();
  });

  it('writes with content type and hash metadata, then skips unchanged content', async () => {
    const sink = new S3DocSink(s3.client, { bucket: s3.bucket, prefix: 'docs/' });
    await expect(sink.write('demo/tables/orders.md', '# orders\n', 'text/markdown; charset=utf-8')).resolves.toBe('written');
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'docs/demo/tables/orders.md' }));
    expect(head.ContentType).toBe('text/markdown; charset=utf-8');
    expect(head.Metadata?.['content-sha256']).toBe(createHash('sha256').update('# orders\n').digest('hex'));

    await expect(sink.write('demo/tables/orders.md', '# orders\n', 'text/markdown; charset=utf-8')).resolves.toBe('unchanged');
    await expect(sink.write('demo/tables/orders.md', '# orders v2\n', 'text/markdown; charset=utf-8')).resolves.toBe('written');
    // Same bytes, new content type: rewritten so the object is served right.
    await expect(sink.write('demo/tables/orders.md', '# orders v2\n', 'text/plain')).resolves.toBe('written');
    await expect(sink.read('demo/tables/orders.md')).resolves.toEqual(Buffer.from('# orders v2\n'));
  });

  it('round-trips binary content, reads a missing path as undefined and lists under a prefix', async () => {
    const sink = new S3DocSink(s3.client, { bucket: s3.bucket, prefix: 'list-test/' });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    await sink.write('demo/er.png', png, 'image/png');
    await sink.write('demo/tables/a.md', 'a', 'text/markdown');
    await sink.write('other/index.md', 'o', 'text/markdown');
    await expect(sink.read('demo/er.png')).resolves.toEqual(png);
    await expect(sink.read('demo/missing.md')).resolves.toBeUndefined();
    await expect(sink.list('demo/')).resolves.toEqual(['demo/er.png', 'demo/tables/a.md']);
    await expect(sink.list('')).resolves.toEqual(['demo/er.png', 'demo/tables/a.md', 'other/index.md']);
  });

  it('refuses paths that escape or are not plain', async () => {
    const sink = new S3DocSink(s3.client, { bucket: s3.bucket, prefix: '' });
    for (const bad of ['../x.md', '/abs.md', 'a//b.md', 'a/./b.md', 'dir/', 'sp ace.md', '']) {
      await expect(sink.write(bad, 'x', 'text/plain')).rejects.toThrow('invalid doc path');
    }
    await expect(sink.list('../')).rejects.toThrow('invalid doc prefix');
  });
});

describe('S3DocSink commands', () => {
  // Created here, not at load time: a client mock replaces every S3Client's send.
  const makeMock = () => mockClient(S3Client);
  let mock: ReturnType<typeof makeMock>;
  beforeAll(() => {
    mock = makeMock();
  });
  afterAll(() => mock.restore());

  it('heads first and puts only when the stored hash differs', async () => {
    mock.reset();
    const body = Buffer.from('hello');
    const hash = createHash('sha256').update(body).digest('hex');
    mock.on(HeadObjectCommand).resolvesOnce({ Metadata: { 'content-sha256': 'old' }, ContentType: 'text/plain' }).resolves({ Metadata: { 'content-sha256': hash }, ContentType: 'text/plain' });
    mock.on(PutObjectCommand).resolves({});
    const sink = new S3DocSink(new S3Client({ region: 'us-east-1' }), { bucket: 'b', prefix: 'p/' });
    await expect(sink.write('x.txt', body, 'text/plain')).resolves.toBe('written');
    await expect(sink.write('x.txt', body, 'text/plain')).resolves.toBe('unchanged');
    expect(mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'b', Key: 'p/x.txt' });
    expect(mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'b', Key: 'p/x.txt', ContentType: 'text/plain', Metadata: { 'content-sha256': hash } });
  });
});
