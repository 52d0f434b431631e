import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from './errors';
import { principalOf } from './route-guard';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** POSTs that create or decide: a retry with the same Idempotency-Key returns the first answer. */
    idempotent?: boolean;
  }
}

/** Where the first answers are kept (Redis across replicas; memory in tests without Redis). */
export interface IdempotencyStore {
  /** Reserves the key; false when it is already taken (in flight or answered). */
  reserve(key: string, fingerprint: string, ttlSeconds: number): Promise<boolean>;
  get(key: string): Promise<StoredAnswer | undefined>;
  complete(key: string, answer: StoredAnswer, ttlSeconds: number): Promise<void>;
  release(key: string): Promise<void>;
}

export interface StoredAnswer {
  fingerprint: string;
  /** Undefined while the first request is still running. */
  status?: number;
  contentType?: string;
  body?: string;
}

export function createRedisIdempotencyStore(redis: Redis, prefix: string): IdempotencyStore {
  const k = (key: string) => `${prefix}:idem:${key}`;
  return {
    async reserve(key, fingerprint, ttl) {
      return (await redis.set(k(key), JSON.stringify({ fingerprint }), 'EX', ttl, 'NX')) === 'OK';
    },
    async get(key) {
      const raw = await redis.get(k(key));
      return raw ? (JSON.parse(raw) as StoredAnswer) : undefined;
    },
    async complete(key, answer, ttl) {
      await redis.set(k(key), JSON.stringify(answer), 'EX', ttl);
    },
    async release(key) {
      await redis.del(k(key));
    },
  };
}

export function createMemoryIdempotencyStore(): IdempotencyStore {
  const entries = new Map<string, { answer: StoredAnswer; until: number }>();
  const live = (key: string) => {
    const e = entries.get(key);
    if (e && e.until < Date.now()) entries.delete(key);
    return entries.get(key);
  };
  return {
    async reserve(key, fingerprint, ttl) {
      if (live(key)) return false;
      entries.set(key, { answer: { fingerprint }, until: Date.now() + ttl * 1000 });
      return true;
    },
    get: async (key) => live(key)?.answer,
    async complete(key, answer, ttl) {
      entries.set(key, { answer, until: Date.now() + ttl * 1000 });
    },
    async release(key) {
      entries.delete(key);
    },
  };
}

const KEY = /^[A-Za-z0-9._:-]{8,128}$/;
const PENDING = Symbol('idempotencyKey');
type WithKey = FastifyRequest & { [PENDING]?: string };

/**
 * `Idempotency-Key` on routes declaring `config.idempotent`: the first request with a key runs and
 * its answer (status + body) is kept for `ttlSeconds`; a retry with the same key from the same
 * caller gets that answer again without running anything; the same key with another body (or on
 * another route) is refused with 422; a retry while the first is still running gets 409. Keys are
 * per caller (tool + acting person, or the signed-in person), so callers never see each other's.
 * 5xx answers are not kept: the retry runs again.
 */
export function installIdempotency(app: FastifyInstance, options: { store: IdempotencyStore; service: string; ttlSeconds?: number }): void {
  const ttl = options.ttlSeconds ?? 24 * 3600;
  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config?.idempotent) return undefined;
    const given = request.headers['idempotency-key'];
    if (given === undefined) return undefined;
    if (typeof given !== 'string' || !KEY.test(given)) {
      throw new AppError('IDEMPOTENCY_KEY_INVALID', 'invalid', 'Idempotency-Key must be 8-128 characters of letters, digits and . _ : - (e.g. a UUID).');
    }
    const who = principalOf(request);
    const key = createHash('sha256').update(`${options.service}\n${who}\n${given}`).digest('hex');
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${request.routeOptions.url ?? ''}\n${JSON.stringify(request.params ?? {})}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    if (await options.store.reserve(key, fingerprint, ttl)) {
      (request as WithKey)[PENDING] = key;
      return undefined;
    }
    const first = await options.store.get(key);
    if (first && first.fingerprint !== fingerprint) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'unprocessable', 'This Idempotency-Key was already used with a different request; use a new key for a new request.');
    }
    if (!first || first.status === undefined) {
      throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT', 'conflict', 'A request with this Idempotency-Key is still running; retry in a moment.');
    }
    request.log.info({ status: first.status }, 'idempotent replay: the first answer is returned');
    return replay(reply, first);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = (request as WithKey)[PENDING];
    if (!key) return payload;
    (request as WithKey)[PENDING] = undefined;
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await options.store.release(key).catch(() => undefined);
      return payload;
    }
    const stored = await options.store.get(key).catch(() => undefined);
    await options.store
      .complete(key, { fingerprint: stored?.fingerprint ?? '', status: reply.statusCode, contentType: String(reply.getHeader('content-type') ?? 'application/json'), body: payload }, ttl)
      .catch((err: unknown) => request.log.warn({ err }, 'could not keep the answer of an idempotent request'));
    return payload;
  });
}

function replay(reply: FastifyReply, first: StoredAnswer): FastifyReply {
  return reply.status(first.status ?? 200).header('idempotent-replayed', 'true').type(first.contentType ?? 'application/json').send(first.body ?? '');
}
