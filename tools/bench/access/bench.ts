/**
 * `npm run bench:access` — the access lifecycle under load with the local drivers:
 * N requests created and approved concurrently (default 200, grants of 5 s), the four services
 * as real processes (request-api, approval-api, provisioner, reaper), real Redis (its own hz,
 * whatever it is), real MariaDB, dynalite in a process of its own. Prints approval -> active and
 * end -> revoked latencies (from the stored timestamps), peak RSS per service and leaks.
 *
 *   --requests <n>   (200)   --minute-ms <ms> (1000)   --duration <policy minutes> (5)
 *   --concurrency <n> worker concurrency of provisioner and reaper (64)
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
import { createDynamo, createRequestRepository, ensureTables, tableName } from '@dbre/store';
import { freePort, testServices } from '@dbre/testing';

const ROOT = path.resolve(__dirname, '../../..');
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' },
    'minute-ms': { type: 'string', default: '1000' },
    duration: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
  },
});
const N = Number(args.requests);
const MINUTE_MS = Number(args['minute-ms']);
const DURATION = Number(args.duration);
const CONCURRENCY = Number(args.concurrency);
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

/** dynalite as a child process; returns its endpoint and pid (for its peak RSS). */
async function startStoreProcess(): Promise<{ endpoint: string; pid: number | undefined; close: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'store-process.ts'), String(await freePort())], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the store process exited with ${code}`)));
  });
  return {
    endpoint,
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
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} not ready within 60 s`);
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
  const dynamo = createDynamo({ endpoint: dynalite.endpoint, region: 'us-east-1', tablePrefix: `${prefix}-` });
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
    ACCESS_MINUTE_MS: String(MINUTE_MS),
    WORKER_CONCURRENCY: String(CONCURRENCY),
  };
  const children = new Map<string, ChildProcess>();
  for (const [name, port] of Object.entries(ports)) {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'apps', name, 'src', 'main.ts')], { cwd: ROOT, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
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
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const created = await post(url('request-api'), '/v1/access-requests', `engineer${i}@example.com`, { clusterId: 'bench', database, profile: 'read', reason: `benchmark request number ${i}` });
        const id = String(created['id']);
        await post(url('approval-api'), `/v1/access-requests/${id}/approve`, 'approver@example.com', {});
        return id;
      }),
    );
    say(`created and approved ${N} in ${Date.now() - started} ms`);

    const requests = createRequestRepository({ dynamo });
    // Poll cheaply (two index queries a second): the store is what is being measured, not the poller.
    const countIn = async (state: 'revoked' | 'failed') => {
      let n = 0;
      let cursor: string | undefined;
      do {
        const page = await requests.listByState(state, cursor ? { cursor } : {});
        n += page.items.filter((r) => idSet.has(r.id)).length;
        cursor = page.cursor;
      } while (cursor);
      return n;
    };
    const idSet = new Set(ids);
    const deadline = Date.now() + 300_000 + DURATION * MINUTE_MS;
    while ((await countIn('revoked')) + (await countIn('failed')) < N && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    const final = (await Promise.all(ids.map((id) => requests.get(id)))).filter((r): r is AccessRequest => r !== undefined);
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
    say(`final states: ${JSON.stringify(states)}`);
    row('measure', 'p50', 'p99');
    row('-'.repeat(34), '-'.repeat(10), '-'.repeat(10));
    row(`approval -> active (n=${toActive.length})`, `${percentile(toActive, 50)} ms`, `${percentile(toActive, 99)} ms`);
    row(`end -> revoked lag (n=${lag.length})`, `${percentile(lag, 50)} ms`, `${percentile(lag, 99)} ms`);
    say('');
    row('peak RSS (VmHWM)', 'MB', '');
    for (const [name, mb] of Object.entries(rss)) row(name, String(mb), '');
    say('');
    row('leaked after the run', 'count', '');
    row('DB users with the bench prefix', String(users[0]?.['n']), '');
    row('forwarder records still open', String(openRecords.length), '');
    row('forwarder ports still accepting', String(listening), '');
    say('targets: approval -> active p99 <= 300 ms; end -> revoked p99 <= 1000 ms; leaks 0');
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
