import { Redis } from 'ioredis';
import { apiClientsOf, createHttpApp, guards, type HttpApp } from '../src';
import { captureLogger, testServices, uniqueName } from '@dbre/testing';

const TOKEN_A = 'a'.repeat(32);
const TOKEN_B = 'b'.repeat(32);
const clients = apiClientsOf({
  alpha: { token: TOKEN_A, scopes: ['requests:create'], actFor: ['*'] },
  beta: { token: TOKEN_B, scopes: ['requests:create'], actFor: ['*'] },
});

/** One replica of a service that counts what it created. */
async function replica(redis: Redis, name: string, created: string[], max = 3): Promise<HttpApp> {
  const app = await createHttpApp({ name, logger: captureLogger().logger, auth: { clients }, rateLimit: { max, timeWindowMs: 60_000, redis }, idempotency: { redis } });
  app.post('/v1/things', { config: { guard: guards.scope('requests:create'), idempotent: true } }, async (request, reply) => {
    const id = `thing-${created.length + 1}`;
    created.push(id);
    return reply.status(201).send({ id, body: request.body });
  });
  return app;
}

describe('write routes: per-caller rate limit and Idempotency-Key', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: 1 });
  });
  afterAll(() => redis.quit());

  const post = (app: HttpApp, token: string, body: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/things', headers: { authorization: `Bearer ${token}`, 'x-acting-user': 'dave@example.com', ...headers }, payload: body as object });

  it('limits each caller on every write route, across replicas sharing Redis', async () => {
    const name = uniqueName('rl');
    const created: string[] = [];
    const one = await replica(redis, name, created);
    const two = await replica(redis, name, created);
    try {
      expect((await post(one, TOKEN_A, { n: 1 })).statusCode).toBe(201);
      expect((await post(two, TOKEN_A, { n: 2 })).statusCode).toBe(201);
      expect((await post(one, TOKEN_A, { n: 3 })).statusCode).toBe(201);
      const limited = await post(two, TOKEN_A, { n: 4 });
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toContain('application/problem+json');
      expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', detail: expect.stringContaining('at most 3 per 60 s') });
      expect(limited.headers['retry-after']).toBeDefined();
      // Another caller has its own budget.
      expect((await post(two, TOKEN_B, { n: 5 })).statusCode).toBe(201);
      expect(created).toHaveLength(4);
    } finally {
      await one.close();
      await two.close();
    }
  });

  // Finding 13.6: a create whose answer was lost, retried, made a second request.
  it('answers a retry with the same Idempotency-Key with the first answer, without doing it twice', async () => {
    const name = uniqueName('idem');
    const created: string[] = [];
    const one = await replica(redis, name, created, 100);
    const two = await replica(redis, name, created, 100);
    try {
      const key = { 'idempotency-key': 'c0ffee00-0000-4000-8000-000000000001' };
      const first = await post(one, TOKEN_A, { reason: 'investigate' }, key);
      const retry = await post(two, TOKEN_A, { reason: 'investigate' }, key);
      expect(first.statusCode).toBe(201);
      expect(retry.statusCode).toBe(201);
      expect(retry.json()).toEqual(first.json());
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(created).toEqual(['thing-1']);

      const changed = await post(one, TOKEN_A, { reason: 'something else' }, key);
      expect(changed.statusCode).toBe(422);
      expect(changed.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });

      // Keys are per caller: another tool's identical key is another request.
      expect((await post(one, TOKEN_B, { reason: 'investigate' }, key)).json()).toMatchObject({ id: 'thing-2' });
      // Without a key, each POST is its own request.
      expect((await post(one, TOKEN_A, { reason: 'investigate' })).json()).toMatchObject({ id: 'thing-3' });
      expect((await post(one, TOKEN_A, { reason: 'x' }, { 'idempotency-key': 'bad key!' })).statusCode).toBe(400);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
