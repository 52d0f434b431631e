import { ulid } from 'ulid';
import type { AccessRequest } from '@dbre/domain';
import { closeRedis, createRedis } from '@dbre/queue';
import { createLifecycle, type HttpApp } from '@dbre/service-kit';
import { createAuditLog, createRequestRepository, type AuditLog, type Dynamo, type RequestRepository } from '@dbre/store';
import { captureLogger, startTestDynamo, testServices, uniqueName } from '@dbre/testing';
import type { Redis } from 'ioredis';
import { buildApp, type OpsDashboardDeps } from '../src/app';
import { createBasicAuthenticator } from '../src/auth/basic-auth';
import { hashPassword } from '../src/auth/password-hash';

export const ADMIN = { user: 'ops-admin', password: 'admin-Passw0rd-管理者' };
export const VIEWER = { user: 'viewer', password: 'viewer-password-閲覧' };

export const basic = (who: { user: string; password: string }) => `Basic ${Buffer.from(`${who.user}:${who.password}`, 'utf8').toString('base64')}`;

export interface Harness {
  app: HttpApp;
  dynamo: Dynamo;
  redis: Redis;
  queuePrefix: string;
  requests: RequestRepository;
  audit: AuditLog;
  logs: ReturnType<typeof captureLogger>;
  close(): Promise<void>;
}

/** The dashboard on dynalite + the real Redis, with an admin (hashed password) and a viewer (password from env). */
export async function startHarness(extra: Partial<OpsDashboardDeps> = {}, options: { adminEmail?: string } = {}): Promise<Harness> {
  const store = await startTestDynamo();
  const redis = createRedis(testServices.redisUrl, 'producer');
  const queuePrefix = uniqueName('opsq');
  const logs = captureLogger('ops-dashboard', 'info');
  const authenticator = await createBasicAuthenticator({
    users: [
      { name: ADMIN.user, role: 'admin', displayName: 'Ops Admin 管理者', ...(options.adminEmail ? { email: options.adminEmail } : {}), passwordHash: await hashPassword(ADMIN.password, { N: 1024 }) },
      { name: VIEWER.user, role: 'viewer', passwordEnv: 'TEST_VIEWER_PASSWORD' },
    ],
    env: { TEST_VIEWER_PASSWORD: VIEWER.password },
  });
  const app = await buildApp({
    logger: logs.logger,
    lifecycle: createLifecycle(),
    redis,
    dynamo: store.dynamo,
    authenticator,
    csrfSecret: 'x'.repeat(32),
    queuePrefix,
    metricsPollMs: 0,
    queueSampleMs: 0,
    ...extra,
  });
  await app.ready();
  return {
    app,
    dynamo: store.dynamo,
    redis,
    queuePrefix,
    requests: createRequestRepository({ dynamo: store.dynamo }),
    audit: createAuditLog({ dynamo: store.dynamo }),
    logs,
    async close() {
      await app.close();
      await closeRedis(redis);
      await store.close();
    },
  };
}

/** A stored request in any state (seeded directly: these tests read, the lifecycle is not under test). */
export function aRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  const now = new Date();
  return {
    id: ulid(),
    requester: { email: 'taro.yamada@example.com', displayName: '山田 太郎' },
    target: { clusterId: 'orders-prod', database: 'orders', environment: 'prod' },
    profile: 'read',
    privileges: ['SELECT', 'SHOW VIEW'],
    durationMinutes: 30,
    reason: '障害調査のため orders テーブルを確認します (INC-1234)',
    approvalsRequired: 1,
    approvals: [{ by: { email: 'alice@example.com', displayName: 'Alice' }, at: now.toISOString() }],
    extensions: [],
    requestedAt: now.toISOString(),
    reviewExpiresAt: new Date(now.getTime() + 3600_000).toISOString(),
    decidedAt: now.toISOString(),
    activeAt: now.toISOString(),
    endsAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
    resources: { dbUser: 'jit_taro_ab12' },
    state: 'active',
    version: 5,
    updatedAt: now.toISOString(),
    ...overrides,
  };
}

/** Pulls the CSRF token out of a rendered page. */
export function csrfFrom(body: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(body);
  if (!m?.[1]) throw new Error('no csrf token on the page');
  return m[1];
}
