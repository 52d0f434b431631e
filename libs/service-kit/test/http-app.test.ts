import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { AppError, createHttpApp, createLifecycle, guards, redisCheck } from '../src';
import { captureLogger, testServices, waitFor } from '@dbre/testing';

function producer(url: string) {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, retryStrategy: () => 200 });
  redis.on('error', () => undefined);
  return redis;
}

describe('the shared HTTP app', () => {
  it('is ready when Redis answers and 503 naming redis when it does not', async () => {
    const up = producer(testServices.redisUrl);
    const down = producer('redis://127.0.0.1:1'); // nothing listens on port 1
    const { logger } = captureLogger();
    const good = await createHttpApp({ name: 't', logger, readiness: [redisCheck(up)] });
    const bad = await createHttpApp({ name: 't', logger, readiness: [redisCheck(down)] });
    if (up.status !== 'ready') await new Promise((resolve) => up.once('ready', resolve));
    try {
      const ok = await good.inject('/readyz');
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'ready', checks: { redis: { ok: true } } });
      const ko = await bad.inject('/readyz');
      expect(ko.statusCode).toBe(503);
      expect(ko.json()).toMatchObject({ status: 'unavailable', failing: ['redis'], checks: { redis: { ok: false } } });
    } finally {
      await good.close();
      await bad.close();
      up.disconnect();
      down.disconnect();
    }
  });

  it('answers /readyz 503 once shutdown began, /healthz still 200', async () => {
    const lifecycle = createLifecycle();
    const app = await createHttpApp({ name: 't', logger: captureLogger().logger, lifecycle });
    lifecycle.beginDrain();
    expect((await app.inject('/readyz')).statusCode).toBe(503);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    await app.close();
  });

  it('a request that still reaches a closing server (behind a slow one on its connection) gets a problem+json 503, logged', async () => {
    const { logger, lines } = captureLogger();
    const app = await createHttpApp({ name: 'request-api', logger });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    app.get('/slow', { config: { guard: guards.public } }, async () => {
      started();
      await held;
      return { slow: true };
    });
    app.get('/fast', { config: { guard: guards.public } }, async () => ({ fast: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.setEncoding('utf8').on('data', (d: string) => (raw += d));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await inFlight;
    const closed = app.close();
    // The server stops listening once closing has begun; the busy connection stays open for the next request.
    await waitFor(async () => !app.server.listening, { what: 'the server to stop listening' });
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(async () => lines().some((l) => l['msg'] === 'request refused: shutting down' && l['url'] === '/fast'), { what: 'the late request to be refused' });
    release();
    await closed;
    await ended;
    const [first, second] = raw.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(first).toContain('{"slow":true}');
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/content-type: application\/problem\+json/i);
    expect(second).toMatch(/retry-after: 1/i);
    const body = JSON.parse(second!.slice(second!.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 503, code: 'SHUTTING_DOWN', title: 'Shutting down', detail: 'This request-api instance is shutting down; retry in a moment (another instance answers).' });
  });

  it('maps coded errors and validation failures to problem+json, hides 5xx internals, tags every log line with the request id', async () => {
    const { logger, lines } = captureLogger();
    const app = await createHttpApp({ name: 't', logger });
    app.post('/things', { config: { guard: guards.public }, schema: { body: z.object({ name: z.string().min(3) }) } }, async () => ({ ok: true }));
    app.get('/forbidden', { config: { guard: guards.public } }, async () => {
      throw new AppError('POLICY_SELF_APPROVAL', 'forbidden', 'You cannot approve your own request.');
    });
    app.get('/boom', { config: { guard: guards.public } }, async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.1:3306 password=hunter2');
    });
    const invalid = await app.inject({ method: 'POST', url: '/things', payload: { name: 'x' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers['content-type']).toContain('application/problem+json');
    expect(invalid.json()).toMatchObject({ code: 'REQUEST_INVALID', status: 400 });
    expect(invalid.json().detail).toContain('name');

    const forbidden = await app.inject({ url: '/forbidden', headers: { 'x-request-id': 'req-123' } });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'POLICY_SELF_APPROVAL', detail: 'You cannot approve your own request.', instance: 'req-123' });
    expect(forbidden.headers['x-request-id']).toBe('req-123');

    const boom = await app.inject('/boom');
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain('hunter2');
    expect(boom.body).not.toContain('ECONNREFUSED');

    const tagged = lines().filter((l) => l['requestId'] === 'req-123');
    expect(tagged.length).toBeGreaterThanOrEqual(2); // incoming request, refusal, response
    await app.close();
  });

  it('refuses oversized bodies with 413 and serves Prometheus metrics', async () => {
    const app = await createHttpApp({ name: 't', logger: captureLogger().logger, bodyLimit: 1024 });
    app.post('/echo', { config: { guard: guards.public } }, async (req) => req.body);
    const big = await app.inject({ method: 'POST', url: '/echo', payload: { blob: 'x'.repeat(5000) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const metrics = await app.inject('/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
    expect(metrics.body).toContain('http_request_duration_seconds');
    await app.close();
  });
});
