/**
 * `npm run bench:evidence-page`: what the dashboard's request page costs for a grant whose bundle
 * holds BENCH_STATEMENTS statements (default 10,000). Every page view reads the bundle through the
 * EvidenceStore port, verifies it against its seal (SHA-256 + the chain) and renders one page of
 * 50 records; the download serves the exact bytes. BENCH_ROUNDS (default 5) of each, medians.
 * Local parts: dynalite in process, the real Redis (readiness), a folder evidence store; requests
 * through Fastify's inject (no socket). Not a test: figures depend on the machine and its load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { parseAccessRequest, type AuditKind } from '@dbre/domain';
import { createFolderEvidenceStore, type AuditRecord } from '@dbre/drivers';
import { collectEvidence, evidenceSealedEvent } from '@dbre/evidence';
import { closeRedis, createRedis } from '@dbre/queue';
import { createLifecycle } from '@dbre/service-kit';
import { createAuditLog, createRequestRepository } from '@dbre/store';
import { captureLogger, startTestDynamo, testServices } from '@dbre/testing';
// The dashboard's own factory (a bench drives the app it measures).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildApp } from '../../../apps/ops-dashboard/src/app';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createBasicAuthenticator } from '../../../apps/ops-dashboard/src/auth/basic-auth';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { hashPassword } from '../../../apps/ops-dashboard/src/auth/password-hash';

const STATEMENTS = Number(process.env['BENCH_STATEMENTS'] ?? 10_000);
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 5));
const PATH: AuditKind[] = ['requested', 'approved', 'provisioning_started', 'user_created', 'activated', 'revoke_started', 'user_dropped', 'revoked'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (n: number) => `${n.toFixed(0)} ms`;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-evidence-page-'));
  const store = await startTestDynamo();
  const redis = createRedis(testServices.redisUrl, 'producer');
  const evidenceStore = createFolderEvidenceStore({ root: dir });
  const admin = { user: 'bench-admin', password: 'bench-admin-password' };
  const app = await buildApp({
    logger: captureLogger('ops-dashboard', 'warn').logger,
    lifecycle: createLifecycle(),
    redis,
    dynamo: store.dynamo,
    authenticator: await createBasicAuthenticator({ users: [{ name: admin.user, role: 'admin', passwordHash: await hashPassword(admin.password, { N: 1024 }) }], env: {} }),
    csrfSecret: 'bench-csrf-secret-of-at-least-32-characters',
    queuePrefix: `bench-ev-${Date.now()}`,
    metricsPollMs: 0,
    queueSampleMs: 0,
    evidenceStore,
  });
  try {
    await app.ready();
    const requests = createRequestRepository({ dynamo: store.dynamo });
    const audit = createAuditLog({ dynamo: store.dynamo });
    const decided = new Date(Date.now() - 3600_000);
    const user = 'jit_bench_ev';
    const request = await requests.create(
      parseAccessRequest({
        id: ulid(),
        requester: { email: 'bench@example.com', displayName: 'Bench' },
        target: { clusterId: 'local', database: 'orders', environment: 'dev' },
        profile: 'write',
        privileges: ['SELECT', 'INSERT', 'UPDATE'],
        durationMinutes: 60,
        reason: 'bench the evidence page',
        approvalsRequired: 1,
        approvals: [{ by: { email: 'alice@example.com' }, at: decided.toISOString() }],
        extensions: [],
        requestedAt: decided.toISOString(),
        reviewExpiresAt: new Date(decided.getTime() + 3600_000).toISOString(),
        decidedAt: decided.toISOString(),
        activeAt: decided.toISOString(),
        endsAt: new Date(decided.getTime() + 3600_000).toISOString(),
        revokedAt: new Date(decided.getTime() + 3600_000).toISOString(),
        revokeReason: 'expired',
        resources: { dbUser: user },
        state: 'revoked',
        version: 9,
        updatedAt: new Date(decided.getTime() + 3600_000).toISOString(),
      }),
    );
    for (const kind of PATH) await audit.append(request.id, { key: kind, kind, data: {} });
    // Records shaped like MariaDB's server_audit ones (the collection itself is bench:evidence).
    const base = { server: 'db-1', user, host: '127.0.0.1', connectionId: 7, database: 'orders', resultCode: 0 };
    const records: AuditRecord[] = Array.from({ length: STATEMENTS }, (_, i) => ({
      ...base,
      at: new Date(decided.getTime() + 60_000 + i * 100).toISOString(),
      queryId: i + 1,
      kind: 'query' as const,
      operation: 'QUERY',
      statement: i % 3 === 0 ? `INSERT INTO orders VALUES (${i}, 0, 'order ${i}')` : i % 3 === 1 ? `UPDATE orders SET paid = 1 WHERE id = ${i - 1}` : `SELECT id, paid, note FROM orders WHERE id = ${i - 2}`,
    }));
    const collected = await collectEvidence({
      request,
      events: await audit.list(request.id),
      auditSource: { records: async () => ({ records, source: 'bench', warnings: [] }) },
      evidenceStore,
    });
    await audit.append(request.id, evidenceSealedEvent(collected));
    const authorization = `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`;
    const pages = Math.ceil(STATEMENTS / 50);

    const time = async (what: () => Promise<{ statusCode: number; body: string }>, check: (body: string) => boolean): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const t = performance.now();
        const res = await what();
        out.push(performance.now() - t);
        if (res.statusCode !== 200 || !check(res.body)) throw new Error(`unexpected answer ${res.statusCode}`);
      }
      return out;
    };
    const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization } });
    const first = await time(() => get(`/requests/${request.id}`), (b) => b.includes('data-status="verified"') && b.includes(`records 1–50 of ${STATEMENTS}`));
    const last = await time(() => get(`/requests/${request.id}?bundle=revoke&page=${pages}`), (b) => b.includes(`Page ${pages} of ${pages}`));
    const token = /name="csrf" value="([^"]+)"/.exec((await get(`/requests/${request.id}`)).body)?.[1] ?? '';
    const download = await time(
      () =>
        app.inject({
          method: 'POST',
          url: `/requests/${request.id}/evidence/revoke/download`,
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:80' },
          payload: `csrf=${encodeURIComponent(token)}`,
        }),
      (b) => b.length === collected.bytes,
    );
    const fragment = await time(() => get(`/requests/${request.id}?fragment=1`), (b) => b.startsWith('<div id="timeline"'));

    console.log(`evidence page bench: ${STATEMENTS} statements, bundle ${(collected.bytes / 1e6).toFixed(2)} MB, ${ROUNDS} rounds each, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`);
    console.log(`  request page, first 50 records (read + verify + render): median ${ms(median(first))} (runs ${first.map(ms).join(', ')})`);
    console.log(`  request page, last page ${pages}:                          median ${ms(median(last))} (runs ${last.map(ms).join(', ')})`);
    console.log(`  download of the exact bytes (read + verify + audit note): median ${ms(median(download))} (runs ${download.map(ms).join(', ')})`);
    console.log(`  timeline refresh fragment (no evidence read):             median ${ms(median(fragment))} (runs ${fragment.map(ms).join(', ')})`);
  } finally {
    await app.close();
    await closeRedis(redis);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
