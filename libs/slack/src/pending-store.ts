import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * What the Slack notifier keeps in Redis between `send` and delivery (queue jobs carry only the
 * notification id): the notification, with a sensitive text sealed (AES-256-GCM); markers of the
 * delivery steps already done, so a retried job never posts twice; and where each request's
 * messages live (channel + ts), so later events are threaded and the approver message updated.
 */
export const storedNotification = z.object({
  id: z.string(),
  kind: z.string(),
  to: z.string(),
  requestId: z.string().optional(),
  text: z.string().optional(),
  sealed: z.object({ iv: z.string(), tag: z.string(), data: z.string() }).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  sensitive: z.boolean().optional(),
  createdAt: z.string(),
});
export type StoredNotification = z.output<typeof storedNotification>;

/** Messages kept per request: the approver post, the public post, the last DM, and the DMs updated when access ends. */
export type ThreadName = 'approvals' | 'requests' | 'dm' | 'credentials' | 'warning';
export interface ThreadRef {
  channel: string;
  ts: string;
}

export interface PendingStore {
  /** Keeps the notification (first write wins: sending the same id twice is harmless). */
  put(n: { id: string; kind: string; to: string; text: string; requestId?: string; data?: Record<string, unknown>; sensitive?: boolean }): Promise<boolean>;
  /** The notification with its text unsealed; undefined when expired or unknown. */
  get(id: string): Promise<(StoredNotification & { text: string }) | undefined>;
  /** Drops a delivered sensitive notification at once. */
  forget(id: string): Promise<void>;
  /**
   * Claims a delivery step: true when this caller should run it (nobody did it and nobody is
   * doing it now). Two jobs describing the same step (e.g. one per approver) race here, once.
   */
  claimStep(id: string, step: string): Promise<boolean>;
  /** The claimed step succeeded: never run it again. */
  markDone(id: string, step: string): Promise<void>;
  /** The claimed step failed: let a retry claim it again. */
  releaseStep(id: string, step: string): Promise<void>;
  thread(requestId: string, name: ThreadName): Promise<ThreadRef | undefined>;
  saveThread(requestId: string, name: ThreadName, ref: ThreadRef): Promise<void>;
}

export interface PendingStoreOptions {
  prefix: string;
  /** 32-byte key sealing sensitive texts at rest (the platform's secret key). */
  sealKey: Buffer;
  /** How long an undelivered notification is kept; the notify queue gives up before that. */
  ttlSeconds?: number;
}

export function createPendingStore(redis: Redis, options: PendingStoreOptions): PendingStore {
  if (options.sealKey.length !== 32) throw new Error('the Slack notifier seal key must be 32 bytes (AES-256)');
  const ttl = options.ttlSeconds ?? 7 * 24 * 3600;
  const threadTtl = 90 * 24 * 3600;
  const key = (...parts: string[]) => [options.prefix, 'slack', ...parts].join(':');

  function seal(text: string, id: string) {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', options.sealKey, iv);
    cipher.setAAD(Buffer.from(id));
    const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }
  function unseal(s: { iv: string; tag: string; data: string }, id: string): string {
    const decipher = createDecipheriv('aes-256-gcm', options.sealKey, Buffer.from(s.iv, 'base64'));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(Buffer.from(s.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(s.data, 'base64')), decipher.final()]).toString('utf8');
  }

  return {
    async put(n) {
      const stored: StoredNotification = {
        id: n.id,
        kind: n.kind,
        to: n.to,
        createdAt: new Date().toISOString(),
        ...(n.requestId ? { requestId: n.requestId } : {}),
        // A sensitive notification is sealed whole: its text and data may both carry a credential.
        ...(n.sensitive
          ? { sensitive: true, sealed: seal(JSON.stringify({ text: n.text, data: n.data ?? {} }), n.id) }
          : { text: n.text, ...(n.data ? { data: n.data } : {}) }),
      };
      return (await redis.set(key('n', n.id), JSON.stringify(stored), 'EX', ttl, 'NX')) === 'OK';
    },
    async get(id) {
      const raw = await redis.get(key('n', id));
      if (!raw) return undefined;
      const n = storedNotification.parse(JSON.parse(raw));
      if (!n.sealed) return { ...n, text: n.text ?? '' };
      const opened = JSON.parse(unseal(n.sealed, id)) as { text: string; data: Record<string, unknown> };
      return { ...n, text: opened.text, data: opened.data };
    },
    async forget(id) {
      // Keep a tombstone so a second send of the same id does not re-arm it.
      await redis.set(key('n', id), JSON.stringify({ id, kind: 'delivered', to: '', createdAt: new Date().toISOString(), text: '' }), 'EX', ttl);
    },
    async claimStep(id, step) {
      // 'running' expires after a minute so a worker that died mid-step does not block it forever.
      return (await redis.set(key('done', id, step), 'running', 'EX', 60, 'NX')) === 'OK';
    },
    async markDone(id, step) {
      await redis.set(key('done', id, step), 'done', 'EX', ttl);
    },
    async releaseStep(id, step) {
      await redis.del(key('done', id, step));
    },
    async thread(requestId, name) {
      const raw = await redis.hget(key('thread', requestId), name);
      if (!raw) return undefined;
      const [channel, ts] = raw.split('|');
      return channel && ts ? { channel, ts } : undefined;
    },
    async saveThread(requestId, name, ref) {
      await redis.hset(key('thread', requestId), name, `${ref.channel}|${ref.ts}`);
      await redis.expire(key('thread', requestId), threadTtl);
    },
  };
}
