import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3DocSink } from '../../src/aws';
import { createFolderSink } from '../../src/local/folder-sink';
import { startLoopbackS3 } from '../aws/s3rver-harness';
import { describeDocSinkContract } from './contracts';

describeDocSinkContract('S3DocSink against s3rver on loopback', async () => {
  const s3 = await startLoopbackS3();
  return { sink: new S3DocSink(s3.client, { bucket: s3.bucket, prefix: 'docs/' }), dispose: () => s3.stop() };
});

describeDocSinkContract('local folder sink', async () => {
  const root = await mkdtemp(join(tmpdir(), 'sink-contract-'));
  return { sink: createFolderSink({ root }), dispose: () => rm(root, { recursive: true, force: true }) };
});
