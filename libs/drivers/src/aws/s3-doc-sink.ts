import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { DocSink, SinkWriteResult } from '../ports';
import { awsErrorName } from './backoff';

export interface S3DocSinkOptions {
  bucket: string;
  /** Key prefix for everything this sink writes, e.g. `docs/` (may be empty). */
  prefix: string;
}

/** Object metadata key (sent as `x-amz-meta-content-sha256`). */
export const CONTENT_HASH_KEY = 'content-sha256';

/** Relative doc paths: segments of safe characters, no `.`/`..`, no leading slash. */
const SEGMENT = /^[A-Za-z0-9._@=+-]+$/;

export function checkDocPath(path: string, kind: 'path' | 'prefix' = 'path'): string {
  const body = kind === 'prefix' && path.endsWith('/') ? path.slice(0, -1) : path;
  if (kind === 'prefix' && body === '') return path;
  const ok = body.split('/').every((s) => s !== '.' && s !== '..' && SEGMENT.test(s));
  if (!ok) throw new Error(`invalid doc ${kind} ${JSON.stringify(path)}: relative, '/'-separated, [A-Za-z0-9._@=+-] segments`);
  return path;
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function notFound(err: unknown): boolean {
  const name = awsErrorName(err);
  return name === 'NotFound' || name === 'NoSuchKey';
}

/** DocSink on S3: skips objects whose content hash (kept in metadata) and type are unchanged. */
export class S3DocSink implements DocSink {
  constructor(
    private readonly s3: S3Client,
    private readonly options: S3DocSinkOptions,
  ) {
    if (options.prefix !== '' && !options.prefix.endsWith('/')) throw new Error('S3DocSink prefix must be empty or end with /');
  }

  private key(path: string): string {
    return `${this.options.prefix}${checkDocPath(path)}`;
  }

  async write(path: string, content: string | Buffer, contentType: string): Promise<SinkWriteResult> {
    const Key = this.key(path);
    const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const hash = sha256(body);
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key }));
      if (head.Metadata?.[CONTENT_HASH_KEY] === hash && head.ContentType === contentType) return 'unchanged';
    } catch (err) {
      if (!notFound(err)) throw err;
    }
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key,
        Body: body,
        ContentType: contentType,
        Metadata: { [CONTENT_HASH_KEY]: hash },
      }),
    );
    return 'written';
  }

  async read(path: string): Promise<Buffer | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(path) }));
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  }

  /** Deletes a page no longer generated; false when it did not exist. */
  async remove(path: string): Promise<boolean> {
    const Key = this.key(path);
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key }));
    } catch (err) {
      if (notFound(err)) return false;
      throw err;
    }
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key }));
    return true;
  }

  /** Every path under `prefix` (recursively), relative to the sink, sorted. */
  async list(prefix: string): Promise<string[]> {
    checkDocPath(prefix, 'prefix');
    const paths: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: `${this.options.prefix}${prefix}`, ContinuationToken }),
      );
      for (const object of out.Contents ?? []) {
        if (object.Key) paths.push(object.Key.slice(this.options.prefix.length));
      }
      ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return paths.sort();
  }
}
