/**
 * `npm run bench:access` — the access lifecycle under load with the local drivers:
 * N requests created and approved concurrently (default 200, grants of 5 s), the four services
 * as real processes (request-api, approval-api, provisioner, reaper), real Redis (its own hz,
 * whatever it is), real MariaDB, dynalite in a process of its own behind a counting proxy. Prints
 * approval -> active and end -> revoked latencies (from the stored timestamps) beside the database
 * floor measured in the same run (N x CREATE USER + GRANT, N x DROP USER, serially, same server),
 * store operations per lifecycle by type and table, CPU time per service, peak RSS and leaks.
 *
 *   --requests <n> concurrent requests (200; 10 for the small run)   --minute-ms <ms> (1000)
 *   --duration <policy minutes> (5)   --concurrency <n> worker concurrency (64)
 *   --warmup <n> whole lifecycles run first and not counted (0): figures of warmed-up services
 *   --cpu-prof <dir> each service and the store write a V8 CPU profile there (open in Chrome DevTools)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { stringify } from 'yaml';
import type { AccessRequest } from '@dbre/domain';
import { createForwarderBastion } from '@dbre/drivers';
import { createQueue } from '@dbre/queue';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { sealKey } from '@dbre/access';
import { createDynamo, createRequestRepository, ensureTables, tableName } from '@dbre/store';
import { freePort, testServices } from '@dbre/testing';
import { execSync } from 'node:child_process';

const ROOT = path.resolve(__dirname, '../../..');
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' },
    'minute-ms': { type: 'string', default: '1000' },
    duration: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '0' },
    'cpu-prof': { type: 'string' },
  },
});
const N = Number(args.requests);
const MINUTE_MS = Number(args['minute-ms']);
const DURATION = Number(args.duration);
const CONCURRENCY = Number(args.concurrency);
const WARMUP = Number(args.warmup);
const PROFILE = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`] : [];
const MYSQL = testServices.mysql;
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const say = (s: string) => process.stdout.write(`${s}\n`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function peakRssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** User + system CPU seconds a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** dynalite as a child process; returns its counted and raw endpoints and pid (for its peak RSS and CPU). */
async function startStoreProcess(): Promise<{ endpoint: string; raw: string; pid: number | undefined; close: () => Promise<void> }> {
  const child = spawn(process.execPath, [...PROFILE, '--import', 'tsx', path.join(__dirname, 'store-process.ts'), String(await freePort())], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  const { counted, raw } = await new Promise<{ counted: string; raw: string }>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(JSON.parse(d.toString().trim()) as { counted: string; raw: string }));
    child.once('exit', (code) => reject(new Error(`the store process exited with ${code}`)));
  });
  return {
    endpoint: counted,
    raw,
    pid: child.pid,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function waitReady(url: string, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 300_000; // tsx-run sources start slowly on a loaded machine
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} not ready within 300 s`);
}

async function main(): Promise<void> {
  const hz = await (async () => {
    const r = new Redis(REDIS_URL);
    const v = ((await r.config('GET', 'hz')) as string[])[1];
    r.disconnect();
    return v;
  })();
  const tag = randomBytes(2).toString('hex');
  const prefix = `bench_${tag}`;
  const userPrefix = `b${tag}_`;
  const database = `bench_${tag}`;
  const token = `bench-${randomBytes(16).toString('hex')}`;
  const key = randomBytes(32).toString('base64');

  const dynalite = await startStoreProcess();
  // The bench reads and polls past the counting proxy: only the services' operations are counted.
  const dynamo = createDynamo({ endpoint: dynalite.raw, region: 'us-east-1', tablePrefix: `${prefix}-` });
  await ensureTables(dynamo);
  // How fast the store answers on this machine right now (it bounds everything below).
  const probe: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await dynamo.doc.send(new GetCommand({ TableName: tableName(dynamo.tablePrefix, 'requests'), Key: { id: `probe-${i}` } }));
    probe.push(performance.now() - t);
  }
  const storeGetMs = percentile(probe, 50).toFixed(1);
  const root = await mysql.createConnection(MYSQL);
  await root.query(`CREATE DATABASE \`${database}\``);

  // The database floor, same server, same run, before the load: N x (CREATE USER + GRANT), then N x DROP USER, serially.
  const floorUsers = Array.from({ length: N }, (_, i) => `f${tag}_${i}`);
  let t = performance.now();
  for (const u of floorUsers) {
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [u, '%', `Floor-${randomBytes(12).toString('hex')}`]);
    await root.query(`GRANT SELECT, SHOW VIEW ON \`${database}\`.* TO ?@?`, [u, '%']);
  }
  const floorCreateMs = performance.now() - t;
  t = performance.now();
  for (const u of floorUsers) await root.query('DROP USER ?@?', [u, '%']);
  const floorDropMs = performance.now() - t;

  const dir = mkdtempSync(path.join(tmpdir(), 'dbre-bench-'));
  const platformFile = path.join(dir, 'platform.yaml');
  writeFileSync(
    platformFile,
    stringify({
      clusters: [{ id: 'bench', environment: 'dev', engine: 'mariadb', endpoint: { host: MYSQL.host, port: MYSQL.port }, admin: { user: MYSQL.user, password: MYSQL.password } }],
      access: {
        profiles: { read: { privileges: ['SELECT', 'SHOW VIEW'] } },
        groups: { dbre: ['approver@example.com'] },
        environments: Object.fromEntries(['dev', 'stg', 'prod'].map((e) => [e, { defaultMinutes: DURATION, maxMinutes: DURATION * 10, approvers: ['group:dbre'], approvalsRequired: 1 }])),
        reviewExpiryMinutes: 600,
        warnBeforeMinutes: Math.max(1, Math.floor(DURATION / 2)),
        dbUser: { prefix: userPrefix },
      },
    }),
  );

  const ports = { 'request-api': await freePort(), 'approval-api': await freePort(), provisioner: await freePort(), reaper: await freePort() };
  const env = {
    ...process.env,
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    NODE_ENV: 'production',
    // Production refuses to start without an explicit driver choice: the local ones here.
    DRIVERS: 'local',
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    DYNAMO_ENDPOINT: dynalite.endpoint,
    TABLE_PREFIX: `${prefix}-`,
    PLATFORM_CONFIG: platformFile,
    SECRET_STORE_KEY: key,
    API_TOKENS: `bench=${token}`,
    API_SCOPES: 'bench=requests:create,requests:read,grants:end,outbox:read,outbox:open,approve',
    API_ACT_FOR: 'bench=*',
    ACCESS_MINUTE_MS: String(MINUTE_MS),
    WORKER_CONCURRENCY: String(CONCURRENCY),
    // Not a crash test: a lock that a loaded event loop cannot lose (the scaled default would be 5 s).
    WORKER_LOCK_MS: '30000',
    // One caller makes every create, approve and end of the burst: let the rate limit admit them all.
    // High: the counts live in Redis past the run, so a second run within the window would be refused.
    RATE_LIMIT_WRITES: '1000000',
  };
  const children = new Map<string, ChildProcess>();
  for (const [name, port] of Object.entries(ports)) {
    const child = spawn(process.execPath, [...PROFILE, '--import', 'tsx', path.join(ROOT, 'apps', name, 'src', 'main.ts')], { cwd: ROOT, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => {
      const line = d.toString();
      if (!/NodeVersionSupportWarning|versions published|require node|continue receiving|security updates|a\.co\/|trace-warnings|^\s*$/.test(line)) process.stderr.write(`[${name}] ${line}`);
    });
    children.set(name, child);
  }
  const cleanup = async () => {
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    for (const q of ['provision', 'warn', 'revoke', 'sweep', 'notify'] as const) {
      const queue = createQueue(q, redis, { prefix });
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
    redis.disconnect();
    const [users] = await root.query<mysql.RowDataPacket[]>('SELECT User AS u, Host AS h FROM mysql.user WHERE User LIKE ?', [`${userPrefix}%`]);
    for (const u of users) await root.query('DROP USER IF EXISTS ?@?', [u['u'], u['h']]);
    await root.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await root.end();
    dynamo.close();
    await dynalite.close();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const url = (name: keyof typeof ports) => `http://127.0.0.1:${ports[name]}`;
    await Promise.all(Object.keys(ports).map((n) => waitReady(url(n as keyof typeof ports), children.get(n)!, n)));
    say(`services ready; ${N} requests, grants of ${DURATION} x ${MINUTE_MS} ms, worker concurrency ${CONCURRENCY}, Redis hz ${hz}, dynalite GetItem p50 ${storeGetMs} ms (idle), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const post = async (base: string, p: string, actor: string, body: unknown) => {
      const res = await fetch(`${base}${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'x-acting-user': actor, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300) throw new Error(`${p}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const burst = (n: number, tag: string) =>
      Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const created = await post(url('request-api'), '/v1/access-requests', `${tag}${i}@example.com`, { clusterId: 'bench', database, profile: 'read', reason: `benchmark request number ${i}` });
          const id = String(created['id']);
          await post(url('approval-api'), `/v1/access-requests/${id}/approve`, 'approver@example.com', {});
          return id;
        }),
      );
    const requests = createRequestRepository({ dynamo });
    // Poll cheaply (two index queries a second): the store is what is being measured, not the poller.
    // Ended, and (revoked ones) sealed: the reaper seals in jobs of their own after the revokes, and
    // the operations and CPU counted below include the seals.
    const waitFinal = async (wanted: readonly string[]): Promise<{ revokedAfterMs: number; sealedAfterMs: number }> => {
      const idSet = new Set(wanted);
      const countIn = async (state: 'revoked' | 'failed') => {
        let n = 0;
        let sealed = 0;
        let cursor: string | undefined;
        do {
          const page = await requests.listByState(state, cursor ? { cursor } : {});
          const mine = page.items.filter((r) => idSet.has(r.id));
          n += mine.length;
          sealed += mine.filter((r) => state !== 'revoked' || r.audit?.keys.includes(sealKey('revoke'))).length;
          cursor = page.cursor;
        } while (cursor);
        return { n, sealed };
      };
      const from = Date.now();
      const deadline = from + 300_000 + DURATION * MINUTE_MS;
      let revokedAfterMs = -1;
      for (;;) {
        const [revoked, failed] = [await countIn('revoked'), await countIn('failed')];
        if (revokedAfterMs < 0 && revoked.n + failed.n >= wanted.length) revokedAfterMs = Date.now() - from;
        if (revoked.sealed + failed.n >= wanted.length || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      return { revokedAfterMs, sealedAfterMs: Date.now() - from };
    };
    // --warmup n: n whole lifecycles first, not counted, so the figures are those of services that
    // have run before (long-running in production), not of a fresh process's first calls.
    if (WARMUP > 0) {
      const warmStarted = Date.now();
      await waitFinal(await burst(WARMUP, 'warmup'));
      say(`warm-up: ${WARMUP} lifecycles, created to revoked, in ${Date.now() - warmStarted} ms (not counted below)`);
    }
    await fetch(`${dynalite.endpoint}/__reset`, { method: 'POST' });
    const cpuAtStart = new Map([...children].map(([name, c]) => [name, cpuSeconds(c.pid)]));
    cpuAtStart.set('dynalite (store)', cpuSeconds(dynalite.pid));

    const started = Date.now();
    const ids = await burst(N, 'engineer');
    say(`created and approved ${N} in ${Date.now() - started} ms`);
    const waited = await waitFinal(ids);
    const final = (await Promise.all(ids.map((id) => requests.get(id)))).filter((r): r is AccessRequest => r !== undefined);
    const counts = (await (await fetch(`${dynalite.endpoint}/__counts`)).json()) as Record<string, number>;
    const cpu = Object.fromEntries([...children].map(([name, c]) => [name, cpuSeconds(c.pid) - (cpuAtStart.get(name) ?? 0)]));
    cpu['dynalite (store)'] = cpuSeconds(dynalite.pid) - (cpuAtStart.get('dynalite (store)') ?? 0);
    const loadAtEnd = loadavg().map((l) => l.toFixed(1)).join(' ');
    const rss = { ...Object.fromEntries([...children].map(([name, c]) => [name, peakRssMb(c.pid)])), 'dynalite (store)': peakRssMb(dynalite.pid) };

    const toActive = final.filter((r) => r.decidedAt && r.activeAt).map((r) => Date.parse(r.activeAt!) - Date.parse(r.decidedAt!));
    const lag = final.filter((r) => r.state === 'revoked' && r.endsAt && r.revokedAt).map((r) => Date.parse(r.revokedAt!) - Date.parse(r.endsAt!));
    const states = final.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.state]: (acc[r.state] ?? 0) + 1 }), {});

    const [users] = await root.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM mysql.user WHERE User LIKE ?', [`${userPrefix}%`]);
    const openRecords = await (await createForwarderBastion({ dynamo })).list();
    const ports_ = final.map((r) => r.resources.connect?.port).filter((p): p is number => p !== undefined);
    const listening = (
      await Promise.all(
        ports_.map(
          (port) =>
            new Promise<boolean>((resolve) => {
              const s = net.connect(port, '127.0.0.1');
              s.once('connect', () => {
                s.destroy();
                resolve(true);
              });
              s.once('error', () => resolve(false));
            }),
        ),
      )
    ).filter(Boolean).length;

    const row = (a: string, b: string, c: string) => say(`| ${a.padEnd(34)} | ${b.padStart(10)} | ${c.padStart(10)} |`);
    say('');
    say(`final states: ${JSON.stringify(states)}; evidence sealed: ${final.filter((r) => r.audit?.keys.includes(sealKey('revoke'))).length} (the last seal ${Math.max(0, waited.sealedAfterMs - waited.revokedAfterMs)} ms after the last revoke, polled each second)`);
    row('measure', 'p50', 'p99');
    row('-'.repeat(34), '-'.repeat(10), '-'.repeat(10));
    row(`approval -> active (n=${toActive.length})`, `${percentile(toActive, 50)} ms`, `${percentile(toActive, 99)} ms`);
    row(`end -> revoked lag (n=${lag.length})`, `${percentile(lag, 50)} ms`, `${percentile(lag, 99)} ms`);
    say(`database floor, same server, same run, serial: ${N} x (CREATE USER + GRANT) ${floorCreateMs.toFixed(0)} ms (${(floorCreateMs / N).toFixed(2)} ms each) beside approval -> active; ${N} x DROP USER ${floorDropMs.toFixed(0)} ms (${(floorDropMs / N).toFixed(2)} ms each) beside end -> revoked`);
    say('');
    // Store operations per lifecycle (create -> revoked), by operation and table. Queries and scans
    // are listings (the sweep, the forwarder host's reconcile), not lifecycle steps: shown apart.
    const table = (key: string) => key.split(' ')[1]!.replace(`${prefix}-`, '');
    const isListing = (key: string) => /^(Query|Scan|ListTables|DescribeTable) /.test(key);
    row('store operations per lifecycle', 'total', 'per grant');
    row('-'.repeat(34), '-'.repeat(10), '-'.repeat(10));
    const entries = Object.entries(counts).sort(([a], [b]) => (table(a) + a).localeCompare(table(b) + b));
    for (const [key, n] of entries) {
      const [op] = key.split(' ');
      row(`${isListing(key) ? '(listing) ' : ''}${op} ${table(key)}`, String(n), (n / N).toFixed(2));
    }
    const perGrant = (pred: (k: string) => boolean) => (entries.filter(([k]) => pred(k)).reduce((s, [, n]) => s + n, 0) / N).toFixed(2);
    row('request store (requests + audit)', '', perGrant((k) => !isListing(k) && /^(requests|audit)$/.test(table(k))));
    row('local drivers (secrets, bastions, outbox)', '', perGrant((k) => !isListing(k) && !/^(requests|audit)$/.test(table(k))));
    say('');
    row('CPU time during the run', 's', 'ms/grant');
    for (const [name, s_] of Object.entries(cpu)) row(name, s_.toFixed(1), ((s_ * 1000) / N).toFixed(1));
    say(`load average at the end: ${loadAtEnd}`);
    say('');
    row('peak RSS (VmHWM)', 'MB', '');
    for (const [name, mb] of Object.entries(rss)) row(name, String(mb), '');
    say('');
    row('leaked after the run', 'count', '');
    row('DB users with the bench prefix', String(users[0]?.['n']), '');
    row('forwarder records still open', String(openRecords.length), '');
    row('forwarder ports still accepting', String(listening), '');
    say('targets: store operations per lifecycle <= 12; approval -> active p99 <= 300 ms (200) / 100 ms (10); end -> revoked p99 <= 1000 ms (200); leaks 0');
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
