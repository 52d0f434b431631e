/**
 * The local stack behind `npm start`: embedded dynalite (data under var/), the demo cluster's
 * schemas on the local MariaDB, and the seven services as child processes. Prints the URLs once
 * every /readyz answers 200; Ctrl-C (or SIGTERM) stops the services, then dynalite.
 *
 *   --check        start, wait until ready, stop again (exit 0 only if all came up and went down cleanly)
 *   --from-source  run apps/<name>/src/main.ts with tsx instead of the built dist/ bundles
 *   --var <dir>    where dynalite and the generated docs live (default var/)
 *
 * Redis and MariaDB must be up (tools/local-stack/ensure-services.sh, run by start.sh).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { createDynamo, ensureTables, startEmbeddedDynalite } from '@dbre/store';
import { APPS, type AppEntry } from './apps';
import { localDeployment } from './deployment';

const root = path.resolve(__dirname, '../..');
const here = __dirname;

const { values: args } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    'from-source': { type: 'boolean', default: false },
    var: { type: 'string', default: path.join(root, 'var') },
  },
});

const portOffset = Number(process.env['DBRE_PORT_OFFSET'] ?? 0);
const dynamoPort = Number(process.env['DYNAMO_PORT'] ?? 8000) + portOffset;
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const mysql = { host: process.env['MYSQL_HOST'] ?? '127.0.0.1', port: Number(process.env['MYSQL_PORT'] ?? 3306), user: 'root', password: process.env['MYSQL_ROOT_PASSWORD'] ?? '' };

const say = (text: string) => process.stdout.write(`[local-stack] ${text}\n`);

function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) env[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return env;
}

async function seedDemoCluster(): Promise<void> {
  const connection = await createConnection({ ...mysql, multipleStatements: true, connectTimeout: 5000 });
  try {
    await connection.query(readFileSync(path.join(here, 'demo-cluster.sql'), 'utf8'));
  } finally {
    await connection.end();
  }
}

function prefixLines(stream: NodeJS.ReadableStream | null, label: string, out: NodeJS.WritableStream): void {
  let buffer = '';
  stream?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) out.write(`${label} ${line}\n`);
  });
}

function startApp(app: AppEntry, env: NodeJS.ProcessEnv): ChildProcess {
  const entry = args['from-source'] ? ['--import', 'tsx', path.join(root, 'apps', app.name, 'src/main.ts')] : [path.join(root, 'dist/apps', app.name, 'main.js')];
  if (!args['from-source'] && !existsSync(entry[0] ?? '')) throw new Error(`${entry[0]} is missing: build first (npx nx run-many -t build)`);
  const child = spawn(process.execPath, entry, {
    cwd: root,
    env: { ...env, PORT: String(app.port + portOffset) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: Ctrl-C reaches only us, and we send one SIGTERM
  });
  const label = `[${app.name}]`.padEnd(16);
  prefixLines(child.stdout, label, process.stdout);
  prefixLines(child.stderr, label, process.stderr);
  return child;
}

async function waitReady(app: AppEntry, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const base = `http://127.0.0.1:${app.port + portOffset}`;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${app.name} exited with code ${child.exitCode}`);
    try {
      const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
      const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3000) });
      if (health.status === 200 && ready.status === 200) return;
      last = `/healthz ${health.status}, /readyz ${ready.status}: ${await ready.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${app.name} not ready within ${timeoutMs} ms (${last})`);
}

async function stopAll(children: Map<string, ChildProcess>, timeoutMs: number): Promise<boolean> {
  let clean = true;
  await Promise.all(
    [...children].map(async ([name, child]) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) {
        clean = false;
        say(`${name} exited with code ${code}`);
      }
    }),
  );
  return clean;
}

async function main(): Promise<void> {
  const varDir = path.resolve(args.var);
  const dynalite = await startEmbeddedDynalite({ port: dynamoPort, path: path.join(varDir, 'dynamo') });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...readEnvFile(path.join(here, 'local.env')),
    ...localDeployment(process.env),
    NODE_ENV: 'development',
    LOG_PRETTY: process.stdout.isTTY ? 'true' : 'false',
    REDIS_URL: redisUrl,
    DYNAMO_ENDPOINT: dynalite.endpoint,
    PLATFORM_CONFIG: process.env['PLATFORM_CONFIG'] ?? path.join(here, 'platform.local.yaml'),
    DOCS_OUT_DIR: path.join(varDir, 'docs'),
    REVIEW_SNAPSHOT_DIR: path.join(varDir, 'docs'),
    // Grants' evidence bundles (the dashboard reads them too) and anchor manifests (write-once files); the audit log is MariaDB's server_audit.
    EVIDENCE_DIR: path.join(varDir, 'evidence'),
    VAR_DIR: varDir,
    REQUEST_API_URL: `http://127.0.0.1:${3001 + portOffset}`,
    APPROVAL_API_URL: `http://127.0.0.1:${3002 + portOffset}`,
  };
  const dynamo = createDynamo({ endpoint: dynalite.endpoint, region: env['AWS_REGION'] ?? 'us-east-1', tablePrefix: env['TABLE_PREFIX'] ?? 'dbre-' });
  await ensureTables(dynamo);
  dynamo.close();
  await seedDemoCluster();
  say(`dynalite on ${dynalite.endpoint} (data in ${path.join(varDir, 'dynamo')}), demo cluster seeded on ${mysql.host}:${mysql.port}`);

  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const shutdown = async (why: string): Promise<never> => {
    if (stopping) process.exit(1); // second Ctrl-C: leave now
    stopping = true;
    say(`${why}: stopping the services`);
    const clean = await stopAll(children, Number(env['SHUTDOWN_TIMEOUT_MS'] ?? 10_000) + 5000);
    await dynalite.close();
    say(clean ? 'stopped cleanly' : 'stopped, but not every service exited cleanly');
    process.exit(clean ? 0 : 1);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  for (const app of APPS) children.set(app.name, startApp(app, env));
  for (const [name, child] of children) {
    child.once('exit', (code, signal) => {
      if (!stopping) say(`${name} exited unexpectedly (code ${code}, signal ${signal}); the others keep running`);
    });
  }
  try {
    await Promise.all(APPS.map((app) => waitReady(app, children.get(app.name) as ChildProcess, 60_000)));
  } catch (err) {
    say(`start-up failed: ${(err as Error).message}`);
    stopping = true;
    await stopAll(children, 5000);
    await dynalite.close();
    process.exit(1);
  }

  const rows = APPS.map((app) => `  ${app.name.padEnd(14)} http://127.0.0.1:${app.port + portOffset}${app.kind === 'http' || app.name === 'doc-crawler' ? '' : '  (worker: /healthz /readyz /metrics)'}`);
  say(
    [
      'all seven services are ready:',
      ...rows,
      `  ${'OpenAPI'.padEnd(14)} http://127.0.0.1:${3001 + portOffset}/docs (request-api), :${3002 + portOffset}/docs (approval-api), :${3003 + portOffset}/docs (schema-review)`,
      `  ${'dynalite'.padEnd(14)} ${dynalite.endpoint}`,
      args.check ? 'check mode: stopping again' : 'Ctrl-C stops everything.',
    ].join('\n'),
  );
  if (args.check) await shutdown('check done');
}

main().catch((err: unknown) => {
  process.stderr.write(`[local-stack] failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
