import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { EvidenceExistsError, evidenceKeySegments } from '../evidence-key';
import type { EvidenceStore } from '../ports';
import { awsErrorName, realClock, type Clock } from './backoff';

export interface S3EvidenceStoreOptions {
  bucket: string;
  /** Key prefix, empty or ending with `/`. */
  prefix: string;
  /** Days each object stays locked in COMPLIANCE mode (nobody, root included, can delete it before). */
  retentionDays: number;
}

/**
 * EvidenceStore on an S3 bucket with Object Lock: each put is a conditional create
 * (`If-None-Match: *`, so an existing key answers 412 and is never replaced, even in a versioned
 * bucket) that locks the object in COMPLIANCE mode until now + retentionDays, with its SHA-256
 * sent as the checksum S3 verifies (Object Lock puts need Content-MD5 or an x-amz-checksum).
 */
export class S3EvidenceStore implements EvidenceStore {
  constructor(
    private readonly s3: S3Client,
    private readonly options: S3EvidenceStoreOptions,
    private readonly clock: Pick<Clock, 'now'> = realClock,
  ) {
    if (options.prefix !== '' && !options.prefix.endsWith('/')) throw new Error('S3EvidenceStore prefix must be empty or end with /');
    if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1) throw new Error('S3EvidenceStore retentionDays must be a positive integer');
  }

  async put(key: string, body: Buffer, options: { contentType: string; sha256: string }): Promise<void> {
    evidenceKeySegments(key);
    const digest = createHash('sha256').update(body).digest();
    if (digest.toString('hex') !== options.sha256) throw new Error(`evidence ${key}: the body does not match the given sha256`);
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: `${this.options.prefix}${key}`,
          Body: body,
          ContentType: options.contentType,
          ChecksumSHA256: digest.toString('base64'),
          Metadata: { 'content-sha256': options.sha256 },
          IfNoneMatch: '*',
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: new Date(this.clock.now() + this.options.retentionDays * 86_400_000),
        }),
      );
    } catch (err) {
      if (awsErrorName(err) === 'PreconditionFailed' || statusOf(err) === 412) throw new EvidenceExistsError(key);
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    evidenceKeySegments(key);
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: `${this.options.prefix}${key}` }));
      return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0);
    } catch (err) {
      const name = awsErrorName(err);
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    evidenceKeySegments(prefix, 'prefix');
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: `${this.options.prefix}${prefix}`, ...(ContinuationToken ? { ContinuationToken } : {}) }),
      );
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.options.prefix.length));
      ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys.sort();
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
