/**
 * `npm run bench:docs`: a synthetic fleet on the local MariaDB (BENCH_SCHEMAS x BENCH_TABLES,
 * default 8 x 250 (the issue's 2,000 tables), with columns, indexes and foreign keys), then in the same run:
 *   1. `mariadb-dump --no-data` (or mysqldump) of the same schemas: the floor for reading a schema;
 *   2. a full crawl + render + publish into an empty folder;
 *   3. the same crawl again with nothing changed;
 *   4. and 2.-3. again as the CLI a user runs (`npm run docs -- crawl`, start-up included).
 * BENCH_ROUNDS times (default 3); prints the medians and the ratios against the targets
 * (full <= 1.5x dump; unchanged <= 0.1x full), then drops the schemas. BENCH_STAGES=1 prints
 * the time of each stage. Not a test: figures depend on the machine and its load.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { runFleetInProcess, type FleetRunSummary } from '@dbre/docs';
import { createFolderSink, type ClusterTarget } from '@dbre/drivers';

const SCHEMAS = Number(process.env['BENCH_SCHEMAS'] ?? 8);
const TABLES = Number(process.env['BENCH_TABLES'] ?? 250);
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
const MYSQL = {
  host: process.env['TEST_MYSQL_HOST'] ?? '127.0.0.1',
  port: Number(process.env['TEST_MYSQL_PORT'] ?? 3306),
  user: process.env['TEST_MYSQL_USER'] ?? 'root',
  password: process.env['TEST_MYSQL_PASSWORD'] ?? '',
};
// BENCH_PREFIX reuses a fleet left by BENCH_KEEP=1 (for profiling); normally a fresh one.
const PREFIX = process.env['BENCH_PREFIX'] ?? `bench_docs_${Math.random().toString(16).slice(2, 8)}`;
const KEEP = process.env['BENCH_KEEP'] === '1';
const schemaNames = Array.from({ length: SCHEMAS }, (_, i) => `${PREFIX}_${String(i + 1).padStart(2, '0')}`);

/** Every table: 8 columns, a unique and a composite index, a FK to an earlier table (a tree). */
function schemaDdl(db: string): string[] {
  const out = [`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`];
  for (let i = 1; i <= TABLES; i++) {
    const parent = i > 1 ? Math.floor(i / 2) : 0;
    out.push(
      `CREATE TABLE \`${db}\`.t_${i} (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        code VARCHAR(40) NOT NULL COMMENT 'コード',
        name VARCHAR(200) NOT NULL,
        status ENUM('new','active','closed') NOT NULL DEFAULT 'new',
        amount DECIMAL(12,2) NULL,
        parent_id BIGINT UNSIGNED NULL,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NULL ON UPDATE CURRENT_TIMESTAMP,
        PRIMARY KEY (id),
        UNIQUE KEY uk_code (code),
        KEY ix_status_created (status, created_at)
        ${parent ? `, KEY ix_parent (parent_id), CONSTRAINT fk_t_${i}_parent FOREIGN KEY (parent_id) REFERENCES t_${parent} (id)` : ''}
      ) ENGINE=InnoDB COMMENT='table ${i} of ${db}'`,
    );
  }
  return out;
}

async function createFleet(): Promise<void> {
  const started = Date.now();
  const lanes = 3;
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      const conn = await createConnection({ ...MYSQL, multipleStatements: true });
      try {
        while (next < schemaNames.length) {
          const db = schemaNames[next++]!;
          const [create, ...tables] = schemaDdl(db);
          await conn.query(create!);
          await conn.query(`USE \`${db}\`; SET foreign_key_checks = 0; ${tables.join(';\n')}; SET foreign_key_checks = 1`);
          process.stderr.write(`\r  created ${++done}/${schemaNames.length} schemas`);
        }
      } finally {
        await conn.end();
      }
    }),
  );
  process.stderr.write(`\n  fleet created in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

async function dropFleet(conn: Connection): Promise<void> {
  for (const db of schemaNames) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
}

function dumpBinary(): string {
  for (const bin of ['mariadb-dump', 'mysqldump']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
      return bin;
    } catch {
      // try the next one
    }
  }
  throw new Error('neither mariadb-dump nor mysqldump is installed');
}

async function timeDump(bin: string, outFile: string): Promise<number> {
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(bin, ['--no-data', '--skip-comments', `-h${MYSQL.host}`, `-P${MYSQL.port}`, `-u${MYSQL.user}`, ...(MYSQL.password ? [`-p${MYSQL.password}`] : []), '--databases', ...schemaNames], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.pipe(createWriteStream(outFile));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} exited with ${code}`))));
  });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function timeCrawl(out: string, runId: string): Promise<{ ms: number; summary: FleetRunSummary }> {
  const target: ClusterTarget = { id: 'bench', environment: 'dev', engine: 'mariadb', endpoint: { host: MYSQL.host, port: MYSQL.port }, instances: [], admin: { user: MYSQL.user, password: MYSQL.password } };
  const mine = new Set(schemaNames);
  const started = process.hrtime.bigint();
  const stages: string[] = [];
  let last = started;
  let lastStage = 'start';
  const mark = (stage: string) => {
    const now = process.hrtime.bigint();
    stages.push(`${lastStage} ${(Number(now - last) / 1e6).toFixed(0)} ms`);
    last = now;
    lastStage = stage;
  };
  const summary = await runFleetInProcess(
    { sink: createFolderSink({ root: out }) },
    {
      runId,
      targets: [target],
      settings: { concurrency: 1, clusterTimeoutMs: 30 * 60_000, attempts: 1, connectTimeoutMs: 10_000, includeSchema: (n) => mine.has(n) },
      onCluster: (e) => mark(e.stage),
    },
  );
  mark('end');
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (process.env['BENCH_STAGES'] === '1') console.log(`  stages of ${runId}: ${stages.slice(1).join(', ')}`);
  if (summary.failed.length) throw new Error(`crawl failed: ${JSON.stringify(summary.clusters)}`);
  return { ms, summary };
}

/** The CLI a user runs (`npm run docs -- crawl`), start-up included, on a platform file listing the bench cluster. */
async function timeCli(config: string, out: string): Promise<number> {
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(join('node_modules', '.bin', 'tsx'), ['tools/docs-cli/cli.ts', 'crawl', '--config', config, '--out', out, '--schemas', `^${PREFIX}_`, '--concurrency', '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docs CLI exited with ${code}`))));
  });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const admin = await createConnection(MYSQL);
  const work = await mkdtemp(join(tmpdir(), 'bench-docs-'));
  console.log(`doc-crawler benchmark: ${SCHEMAS} schemas x ${TABLES} tables = ${SCHEMAS * TABLES} tables on ${MYSQL.host}:${MYSQL.port}`);
  try {
    if (process.env['BENCH_PREFIX']) console.log(`  reusing ${PREFIX}_*`);
    else await createFleet();
    const bin = dumpBinary();
    // One untimed pass so both contenders find the tables opened and the pages cached.
    await timeDump(bin, join(work, 'warm.sql'));
    // Rounds in alternation, medians reported: other work on the machine moves single figures a lot.
    const dumps: number[] = [];
    const fulls: number[] = [];
    const agains: number[] = [];
    const cliFulls: number[] = [];
    const cliAgains: number[] = [];
    const config = join(work, 'platform.yaml');
    await writeFile(config, `clusters:\n  - id: bench\n    environment: dev\n    engine: mariadb\n    endpoint: { host: '${MYSQL.host}', port: ${MYSQL.port} }\n    admin: { user: '${MYSQL.user}', password: '${MYSQL.password}' }\n`);
    let full: Awaited<ReturnType<typeof timeCrawl>> | undefined;
    let again: Awaited<ReturnType<typeof timeCrawl>> | undefined;
    for (let round = 1; round <= ROUNDS; round++) {
      dumps.push(await timeDump(bin, join(work, 'dump.sql')));
      full = await timeCrawl(join(work, `docs-${round}`), `bench-full-${round}`);
      fulls.push(full.ms);
      again = await timeCrawl(join(work, `docs-${round}`), `bench-unchanged-${round}`);
      agains.push(again.ms);
      await rm(join(work, `docs-${round}`), { recursive: true, force: true });
      cliFulls.push(await timeCli(config, join(work, `cli-${round}`)));
      cliAgains.push(await timeCli(config, join(work, `cli-${round}`)));
      await rm(join(work, `cli-${round}`), { recursive: true, force: true });
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
    const dumpMs = median(dumps);
    const fullMs = median(fulls);
    const againMs = median(agains);
    const c1 = full?.summary.clusters[0];
    const c2 = again?.summary.clusters[0];
    const fullRatio = fullMs / dumpMs;
    const againRatio = againMs / fullMs;
    const secs = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(' / ');
    const row = (name: string, ms: number, all: number[], note: string) => console.log(`  ${name.padEnd(32)} ${(ms / 1000).toFixed(2).padStart(7)} s  (rounds: ${secs(all)})  ${note}`);
    console.log('');
    console.log(`  medians of ${ROUNDS} rounds:`);
    row(`${bin} --no-data`, dumpMs, dumps, '');
    row('full crawl + render + publish', fullMs, fulls, c1?.ok ? `${c1.tables} tables, ${full?.summary.filesWritten} files written` : '');
    row('re-crawl, nothing changed', againMs, agains, c2?.ok ? `changed=${c2.changed}, ${again?.summary.filesWritten} files written` : '');
    const cliFullMs = median(cliFulls);
    const cliAgainMs = median(cliAgains);
    row('CLI: full (npm run docs -- crawl)', cliFullMs, cliFulls, 'start-up included');
    row('CLI: re-crawl, nothing changed', cliAgainMs, cliAgains, 'start-up included');
    console.log('');
    console.log(`  in process: full / dump       = ${fullRatio.toFixed(2)}x  (target <= 1.5x: ${fullRatio <= 1.5 ? 'met' : 'NOT met'})`);
    console.log(`  in process: unchanged / full  = ${againRatio.toFixed(3)}x (target <= 0.1x: ${againRatio <= 0.1 ? 'met' : 'NOT met'})`);
    console.log(`  CLI:        full / dump       = ${(cliFullMs / dumpMs).toFixed(2)}x  (target <= 1.5x: ${cliFullMs / dumpMs <= 1.5 ? 'met' : 'NOT met'})`);
    console.log(`  CLI:        unchanged / full  = ${(cliAgainMs / cliFullMs).toFixed(3)}x (target <= 0.1x: ${cliAgainMs / cliFullMs <= 0.1 ? 'met' : 'NOT met'})`);
    console.log(`  load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs`);
  } finally {
    if (KEEP) process.stderr.write(`  kept the schemas: BENCH_PREFIX=${PREFIX}\n`);
    else {
      process.stderr.write('  dropping the benchmark schemas\n');
      await dropFleet(admin);
    }
    await admin.end();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
