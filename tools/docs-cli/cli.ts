/**
 * `npm run docs -- crawl [--cluster x] [--out dir]`: the fleet crawl by hand, in this process
 * (no Redis or DynamoDB needed), with a progress bar. Same per-cluster work and pages as the
 * doc-crawler's BullMQ flow. `npm run docs -- baseline` records parameter defaults.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { SingleBar, Presets } from 'cli-progress';
import { classifyVariable, newRunId, parseHelpDescriptions, runFleetInProcess, VOLATILE_VARIABLES } from '@dbre/docs';
import { createConfigInventory, createFolderSink } from '@dbre/drivers';

const USAGE = `usage:
  npm run docs -- crawl [--cluster <id>]... [--out <dir>] [--config <platform.yaml>] [--schemas <regex>]
                        [--concurrency <n>] [--timeout-ms <ms>] [--attempts <n>] [--force] [--no-svg]
  npm run docs -- baseline [--binary /usr/sbin/mariadbd] [--install-db mariadb-install-db] [--id mariadb-10.11] [--write <file>]
`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(1);
}

const positiveInt = (name: string, value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
};

async function crawl(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cluster: { type: 'string', multiple: true },
      out: { type: 'string', default: 'var/docs' },
      config: { type: 'string', default: process.env['PLATFORM_CONFIG'] ?? 'tools/local-stack/platform.local.yaml' },
      schemas: { type: 'string' },
      concurrency: { type: 'string' },
      'timeout-ms': { type: 'string' },
      attempts: { type: 'string' },
      force: { type: 'boolean', default: false },
      'no-svg': { type: 'boolean', default: false },
    },
    strict: true,
  });
  let pattern: RegExp | undefined;
  try {
    pattern = values.schemas ? new RegExp(values.schemas) : undefined;
  } catch (err) {
    fail(`--schemas is not a valid regular expression: ${(err as Error).message}`);
  }
  const inventory = createConfigInventory({ path: values.config, env: process.env });
  const all = await inventory.list();
  const wanted = values.cluster ?? [];
  const unknown = wanted.filter((id) => !all.some((c) => c.id === id));
  if (unknown.length) fail(`unknown cluster${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (in ${values.config}: ${all.map((c) => c.id).join(', ') || 'none'})`);
  const targets = wanted.length ? all.filter((c) => wanted.includes(c.id)) : all;
  if (targets.length === 0) fail(`no clusters in ${values.config}`);

  const sink = createFolderSink({ root: values.out });
  const interactive = process.stderr.isTTY === true;
  const bar = new SingleBar({ format: ' {bar} {value}/{total} clusters | {status}', stream: process.stderr, noTTYOutput: false, hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
  if (interactive) bar.start(targets.length, 0, { status: 'starting' });
  const runId = newRunId();
  const summary = await runFleetInProcess(
    { sink },
    {
      runId,
      targets,
      inventory: all,
      settings: {
        concurrency: positiveInt('concurrency', values.concurrency, 2),
        clusterTimeoutMs: positiveInt('timeout-ms', values['timeout-ms'], 15 * 60_000),
        attempts: positiveInt('attempts', values.attempts, 2),
        connectTimeoutMs: 10_000,
        includeSchema: pattern ? (name) => pattern.test(name) : undefined,
        force: values.force,
        svg: !values['no-svg'],
      },
      onCluster: (e) => {
        const status = `${e.clusterId}: ${e.stage}${e.detail ? ` (${e.detail})` : ''}`;
        if (interactive) {
          if (e.stage === 'done' || e.stage === 'failed') bar.increment(1, { status });
          else bar.update({ status });
        } else if (e.stage !== 'crawl' && e.stage !== 'render' && e.stage !== 'write') {
          console.error(status);
        }
      },
    },
  );
  if (interactive) bar.stop();
  for (const c of summary.clusters) {
    if (c.ok) {
      console.log(`${c.clusterId}: ${c.changed ? `${c.filesWritten} files written, ${c.changes} changes` : 'unchanged, nothing written'} (${c.schemas} schemas, ${c.tables} tables, ${c.durationMs} ms)`);
    } else {
      console.log(`${c.clusterId}: FAILED after ${c.attempts} attempt(s): ${c.error}`);
    }
  }
  console.log(`run ${summary.runId}: ${summary.clusters.length - summary.failed.length}/${summary.clusters.length} clusters documented, ${summary.filesWritten} files written to ${sink.root}`);
  return summary.failed.length ? 2 : 0;
}

/**
 * Records the defaults of a stock server: installs an empty data directory, starts the binary
 * with --no-defaults on a private socket (no network), reads SHOW GLOBAL VARIABLES, shuts it
 * down. What each setting does comes from the same binary's --help --verbose.
 */
async function baseline(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      binary: { type: 'string', default: '/usr/sbin/mariadbd' },
      'install-db': { type: 'string', default: 'mariadb-install-db' },
      id: { type: 'string' },
      write: { type: 'string' },
    },
    strict: true,
  });
  const binary = values.binary;
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  const m = /Ver (\d+)\.(\d+)/.exec(version) ?? fail(`cannot read a version from ${JSON.stringify(version)}`);
  const flavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const help = execFileSync(binary, ['--no-defaults', '--help', '--verbose'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 * 1024 * 1024 });
  const dir = await mkdtemp(join(tmpdir(), 'docs-baseline-'));
  // mariadbd refuses to run as root without --user; the data directory must then be that user's.
  const asRoot = process.getuid?.() === 0 ? ['--user=mysql'] : [];
  if (asRoot.length) execFileSync('chown', ['mysql:mysql', dir]);
  const datadir = join(dir, 'data');
  const socketPath = join(dir, 'mysqld.sock');
  let server: ReturnType<typeof spawn> | undefined;
  try {
    execFileSync(values['install-db'], ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot], { stdio: 'ignore' });
    server = spawn(binary, ['--no-defaults', `--datadir=${datadir}`, `--socket=${socketPath}`, '--skip-networking', `--pid-file=${join(dir, 'mysqld.pid')}`, ...asRoot], { stdio: 'ignore' });
    let conn: Awaited<ReturnType<typeof createConnection>> | undefined;
    for (let i = 0; i < 100 && !conn; i++) {
      conn = await createConnection({ socketPath, user: 'root' }).catch(async () => {
        await new Promise((r) => setTimeout(r, 200));
        return undefined;
      });
    }
    if (!conn) fail('the stock server did not accept connections within 20 s');
    const [rows] = await conn.query('SHOW GLOBAL VARIABLES');
    await conn.query('SHUTDOWN').catch(() => undefined);
    await conn.end().catch(() => undefined);
    const variables = Object.fromEntries(
      (rows as Array<{ Variable_name: string; Value: string }>)
        // Identity, build and throwaway-directory values say nothing about defaults elsewhere.
        .filter((r) => !VOLATILE_VARIABLES.has(r.Variable_name) && !['host', 'build'].includes(classifyVariable(r.Variable_name)) && !r.Value.includes(dir))
        .map((r) => [r.Variable_name, r.Value] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    // The recording server listens on no port; a stock server listens on 3306.
    if (variables['skip_networking'] !== undefined) variables['skip_networking'] = 'OFF';
    if (variables['port'] !== undefined) variables['port'] = '3306';
    const descriptions = parseHelpDescriptions(help);
    const record = {
      id: values.id ?? `${flavor}-${m[1]}.${m[2]}`,
      flavor,
      version: `${m[1]}.${m[2]}`,
      source: `SHOW GLOBAL VARIABLES of a stock ${binary.split('/').pop()} (--no-defaults, empty data directory; ${version}); descriptions from its --help --verbose`,
      values: variables,
      descriptions: Object.fromEntries(Object.entries(descriptions).filter(([k]) => k in variables)),
    };
    const text = `${JSON.stringify(record, null, 2)}\n`;
    if (values.write) writeFileSync(values.write, text);
    else process.stdout.write(text);
    console.error(`${Object.keys(record.values).length} defaults (${Object.keys(record.descriptions).length} described) recorded as ${record.id}`);
    return 0;
  } finally {
    server?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  let code: number;
  if (command === 'crawl') code = await crawl(rest);
  else if (command === 'baseline') code = await baseline(rest);
  else fail(command ? `unknown command ${command}` : 'a command is required');
  process.exit(code);
}

main().catch((err: unknown) => {
  console.error(`docs: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
});
