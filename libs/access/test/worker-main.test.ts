import { Redis } from 'ioredis';
import { createLifecycle } from '@dbre/service-kit';
import { captureLogger, startTestDynamo, testServices } from '@dbre/testing';
import { accessWorkerConfig, buildWorkerApp, workerTimings } from '../src';

// The workers' configuration and HTTP side (health and readiness against the real Redis and dynalite).

describe('the access workers’ configuration', () => {
  it('needs the secret-store key; everything else has the documented defaults', () => {
    const missing = accessWorkerConfig(9100).safeParse({});
    expect(missing.success).toBe(false);
    expect(missing.error?.issues.map((i) => i.path.join('.'))).toEqual(['SECRET_STORE_KEY']);
    const config = accessWorkerConfig(9100).parse({ SECRET_STORE_KEY: 'k' });
    expect(config).toMatchObject({ PORT: 9100, WORKER_CONCURRENCY: 8, FORWARDER_RECONCILE_MS: 5000, SWEEP_EVERY_MS: 60_000, EVIDENCE_SETTLE_MS: 900_000, EVIDENCE_SEAL_CONCURRENCY: 1, ACCESS_MINUTE_MS: 60_000 });
    expect(config.WORKER_LOCK_MS).toBeUndefined();
    expect(config.STUCK_AFTER_MS).toBeUndefined();
    expect(config.FAULT_EXIT_AFTER_STEP).toBeUndefined();
    expect(accessWorkerConfig(9200).parse({ SECRET_STORE_KEY: 'k' }).PORT).toBe(9200);
  });

  it('accepts a fault step only among the lifecycle boundaries, a lock of at least 100 ms and a minute of at least 100 ms', () => {
    const parse = (extra: Record<string, string>) => accessWorkerConfig(9100).safeParse({ SECRET_STORE_KEY: 'k', ...extra });
    expect(parse({ FAULT_EXIT_AFTER_STEP: 'user' }).data?.FAULT_EXIT_AFTER_STEP).toBe('user');
    expect(parse({ FAULT_EXIT_AFTER_STEP: 'user_revoked' }).data?.FAULT_EXIT_AFTER_STEP).toBe('user_revoked');
    expect(parse({ FAULT_EXIT_AFTER_STEP: 'somewhere' }).success).toBe(false);
    expect(parse({ WORKER_LOCK_MS: '100' }).data?.WORKER_LOCK_MS).toBe(100);
    expect(parse({ WORKER_LOCK_MS: '99' }).success).toBe(false);
    expect(parse({ STUCK_AFTER_MS: '0' }).data?.STUCK_AFTER_MS).toBe(0);
    expect(parse({ STUCK_AFTER_MS: '-1' }).success).toBe(false);
    expect(parse({ ACCESS_MINUTE_MS: '100' }).data?.ACCESS_MINUTE_MS).toBe(100);
    expect(parse({ ACCESS_MINUTE_MS: '99' }).success).toBe(false);
  });
});

describe('the worker timings', () => {
  it('scale with the policy minute: lock half a minute (at least 5 s), stuck after five minutes', () => {
    expect(workerTimings({ ACCESS_MINUTE_MS: 60_000, WORKER_LOCK_MS: undefined, STUCK_AFTER_MS: undefined })).toEqual({ lockMs: 30_000, stuckAfterMs: 300_000 });
    expect(workerTimings({ ACCESS_MINUTE_MS: 2000, WORKER_LOCK_MS: undefined, STUCK_AFTER_MS: undefined })).toEqual({ lockMs: 5000, stuckAfterMs: 10_000 });
    expect(workerTimings({ ACCESS_MINUTE_MS: 10_001, WORKER_LOCK_MS: undefined, STUCK_AFTER_MS: undefined })).toEqual({ lockMs: 5001, stuckAfterMs: 50_005 });
  });

  it('a configured lock or stuck threshold wins, even a zero threshold', () => {
    expect(workerTimings({ ACCESS_MINUTE_MS: 60_000, WORKER_LOCK_MS: 1000, STUCK_AFTER_MS: 0 })).toEqual({ lockMs: 1000, stuckAfterMs: 0 });
  });
});

describe('the worker’s HTTP side', () => {
  it('is live, ready while Redis and DynamoDB answer, and serves metrics', async () => {
    const store = await startTestDynamo();
    const redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: 1 });
    const { logger } = captureLogger();
    const app = await buildWorkerApp({ name: 'reaper', logger, lifecycle: createLifecycle(), redis, dynamo: store.dynamo });
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.body).toContain('redis');
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await app.close();
      redis.disconnect();
      await store.close();
    }
  });
});
