import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCESS_JOB_IDS } from '@dbre/queue';
import { runShutdownSteps } from '@dbre/service-kit';
import { createFolderEvidenceStore } from '@dbre/drivers';
import { captureLogger, testServices, waitFor } from '@dbre/testing';
import { accessWorkerConfig, buildAccessWorker, createAccessDecisions, scheduleProvisioning, type AccessWorkerProcess } from '../src';
import { localCluster, parseCredentials, REQUESTER, startHarness, type Harness } from './harness';

// The provisioner and the reaper as their processes build them (buildAccessWorker: configuration,
// drivers, workers, HTTP side, shutdown), run in this process against the real store, Redis and
// MariaDB: a grant goes through both, then each shuts down.

let h: Harness;
let dir: string;
const SCRAPER_TOKEN = 'scraper-token-0123456789abcdef';

const configOf = (extra: Record<string, string>) =>
  accessWorkerConfig(9100).parse({
    LOG_LEVEL: 'info',
    REDIS_URL: testServices.redisUrl,
    QUEUE_PREFIX: h.prefix,
    DYNAMO_ENDPOINT: h.store.endpoint,
    TABLE_PREFIX: h.dynamo.tablePrefix,
    PLATFORM_CONFIG: join(dir, 'platform.yaml'),
    SECRET_STORE_KEY: h.key.toString('base64'),
    EVIDENCE_DIR: join(dir, 'evidence'),
    ACCESS_MINUTE_MS: '1000',
    WORKER_CONCURRENCY: '3',
    ...extra,
  });

/** Not on loopback: /metrics then needs a token (the scraper's). */
const OFF_LOOPBACK = { HOST: '0.0.0.0', API_TOKENS: `scraper=${SCRAPER_TOKEN}`, API_SCOPES: 'scraper=metrics' };

interface Running {
  process: AccessWorkerProcess;
  log: () => Array<Record<string, unknown>>;
  exits: number[];
  /** The shutdown as the process runs it on SIGTERM; the names of the steps that failed. */
  shutdown: () => Promise<string[]>;
}

/** Builds a worker in this process (each test its own: Stryker may run one test alone). */
async function start(role: 'provisioner' | 'reaper', extra: Record<string, string> = {}): Promise<Running> {
  const { logger, lines } = captureLogger(role, 'info');
  const exits: number[] = [];
  const built = await buildAccessWorker(role, configOf(extra), { logger, exit: (code) => void exits.push(code) });
  running.push(built);
  const shutdown = async () => {
    running.splice(running.indexOf(built), 1);
    return runShutdownSteps([...built.stopWork, { name: 'http', run: () => built.app.close() }, ...built.close], logger);
  };
  return { process: built, log: lines, exits, shutdown };
}
const running: AccessWorkerProcess[] = [];

beforeAll(async () => {
  h = await startHarness();
  dir = await mkdtemp(join(tmpdir(), 'access-worker-process-'));
  const c = localCluster('devdb');
  await writeFile(join(dir, 'platform.yaml'), JSON.stringify({ clusters: [{ id: c.id, environment: c.environment, engine: c.engine, endpoint: c.endpoint, admin: c.admin }], access: h.policy }));
});

afterAll(async () => {
  // A test that failed half-way leaves its workers: stop them before the store goes.
  for (const w of [...running]) await runShutdownSteps([...w.stopWork, { name: 'http', run: () => w.app.close() }, ...w.close], w.logger);
  await h.close();
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

const names = (steps: { name: string }[]) => steps.map((s) => s.name);
const LOCAL = { inventory: 'local', bastion: 'local', secrets: 'local', audit: 'local', evidence: 'local' };

describe('a worker process, built as its main builds it', () => {
  it('the provisioner: one provision worker with the configured concurrency and a lock scaled with the minute; it stops in order', async () => {
    const p = await start('provisioner');
    expect(p.process.workers.map((w) => [w.name, w.opts.concurrency, w.opts.lockDuration])).toEqual([['provision', 3, 5000]]);
    expect(names(p.process.stopWork)).toEqual(['sweep-watchdog', 'worker:provision']);
    expect(names(p.process.close)).toEqual(['forwarders', 'queues', 'mysql', 'redis', 'dynamodb']);
    expect(p.log().filter((l) => l['msg'] === 'drivers selected').map((l) => l['drivers'])).toEqual([LOCAL]);
    expect(await p.shutdown()).toEqual([]);
    expect(p.process.workers.map((w) => w.isRunning())).toEqual([false]);
  });

  it('the reaper: revoke, warn, sweep (one at a time), seal (as configured) and renotify; no forwarder host; the sweep scheduled at the configured interval, and kept after it stops', async () => {
    const r = await start('reaper', { SWEEP_EVERY_MS: '45000', EVIDENCE_SEAL_CONCURRENCY: '2', WORKER_LOCK_MS: '7000' });
    expect(r.process.workers.map((w) => [w.name, w.opts.concurrency, w.opts.lockDuration])).toEqual([
      ['revoke', 3, 7000],
      ['warn', 3, 7000],
      ['sweep', 1, 7000],
      ['seal', 2, 7000],
      ['renotify', 3, 7000],
    ]);
    expect(names(r.process.stopWork)).toEqual(['sweep-watchdog', 'worker:revoke', 'worker:warn', 'worker:sweep', 'worker:seal', 'worker:renotify']);
    expect(names(r.process.close)).toEqual(['queues', 'mysql', 'redis', 'dynamodb']);
    expect(r.log().filter((l) => l['msg'] === 'drivers selected').map((l) => l['drivers'])).toEqual([LOCAL]);
    expect(await h.sweepQueue.getJobScheduler(ACCESS_JOB_IDS.sweepScheduler)).toMatchObject({ every: 45000 });
    expect(await r.shutdown()).toEqual([]);
    expect(r.process.workers.map((w) => w.isRunning())).toEqual([false, false, false, false, false]);
    // The scheduler stays in Redis: the next reaper finds it.
    expect(await h.sweepQueue.getJobScheduler(ACCESS_JOB_IDS.sweepScheduler)).toMatchObject({ every: 45000 });
  });

  it('serves health and readiness; /metrics is public on loopback and needs the scraper\'s token elsewhere', async () => {
    const open = await start('reaper');
    const guarded = await start('provisioner', OFF_LOOPBACK);
    try {
      for (const w of [open, guarded]) {
        expect((await w.process.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
        expect((await w.process.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      }
      expect((await open.process.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await guarded.process.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await guarded.process.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${SCRAPER_TOKEN}` } })).statusCode).toBe(200);
    } finally {
      expect(await open.shutdown()).toEqual([]);
      expect(await guarded.shutdown()).toEqual([]);
    }
  });

  it('a grant goes through both: active with working credentials through the provisioner\'s forwarder, then revoked, dropped and its evidence sealed', async () => {
    const p = await start('provisioner', { FAULT_EXIT_AFTER_STEP: 'user' });
    const reaper = await start('reaper');
    try {
      const r = await h.approved({ durationMinutes: 30 });
      await scheduleProvisioning(h.deps, r);
      const active = await waitFor(async () => {
        const x = await h.requests.get(r.id);
        return x?.state === 'active' ? x : undefined;
      }, { timeoutMs: 30_000, what: 'the grant to be active' });
      const creds = parseCredentials((await h.outbox.open(`credentials-${r.id}`, REQUESTER)).text);
      expect(creds.port).toBe(active.resources.connect!.port);
      expect(await h.loginAndQuery(creds.user, creds.password, 'SELECT v FROM t WHERE id = 1', creds.port)).toEqual([{ v: 'one' }]);
      // FAULT_EXIT_AFTER_STEP=user: the process would have exited right after the user step, once.
      expect(p.exits).toEqual([86]);
      expect(p.log().filter((l) => l['msg'] === 'FAULT_EXIT_AFTER_STEP: exiting now').map((l) => [l['step'], l['requestId']])).toEqual([['user', r.id]]);
      expect(reaper.exits).toEqual([]);

      await createAccessDecisions({ ...h.deps, minuteMs: 1000 }).end(r.id, { email: REQUESTER, via: 'test' });
      await waitFor(async () => ((await h.requests.get(r.id))?.state === 'revoked' ? true : undefined), { timeoutMs: 30_000, what: 'the grant to be revoked' });
      expect(await h.platformUsers()).toEqual([]);
      const evidence = createFolderEvidenceStore({ root: join(dir, 'evidence') });
      const sealed = await waitFor(async () => ((await h.kinds(r.id)).includes('evidence_sealed') ? evidence.list('') : undefined), { timeoutMs: 30_000, what: 'the evidence to be sealed' });
      expect(sealed.some((key) => key.includes(r.id))).toBe(true);
    } finally {
      expect(await p.shutdown()).toEqual([]);
      expect(await reaper.shutdown()).toEqual([]);
    }
  });
});
