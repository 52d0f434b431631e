/**
 * `npm run bench:evidence`: evidence collection for a grant whose user ran BENCH_STATEMENTS
 * statements (default 10,000) on the local MariaDB with the server_audit plugin on:
 *   1. a unique database + user; the user runs the statements (SELECT / UPDATE / INSERT mix);
 *   2. collectEvidence (read the audit log + rotated files, build the canonical bundle, SHA-256,
 *      write once to a folder store), BENCH_ROUNDS times (default 3), each into a fresh folder;
 *   3. verifyBundle on the stored bytes.
 * Prints the medians and the share of each stage, then drops the user and database. Not a test:
 * figures depend on the machine, its load and how much else the shared audit log holds.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { parseAccessRequest } from '@dbre/domain';
import { createFolderEvidenceStore, createServerAuditSource, createStaticInventory, enableServerAudit, readServerAuditSettings, type AuditSource, type ClusterTarget, type EvidenceStore } from '@dbre/drivers';
import { collectEvidence, verifyBundle } from '@dbre/evidence';

const STATEMENTS = Number(process.env['BENCH_STATEMENTS'] ?? 10_000);
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
const MYSQL = {
  host: process.env['TEST_MYSQL_HOST'] ?? '127.0.0.1',
  port: Number(process.env['TEST_MYSQL_PORT'] ?? 3306),
  user: process.env['TEST_MYSQL_USER'] ?? 'root',
  password: process.env['TEST_MYSQL_PASSWORD'] ?? '',
};
const suffix = Math.random().toString(16).slice(2, 10);
const DB = `bench_ev_${suffix}`;
const USER = `bench_ev_${suffix}`;
const PASSWORD = `Bench-${suffix}-Pw9!`;
const REQUEST_ID = '01JBENCH000000000000000001';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (n: number) => `${n.toFixed(0)} ms`;

async function main(): Promise<void> {
  const root = await createConnection(MYSQL);
  const target: ClusterTarget = { id: 'local', environment: 'dev', engine: 'mariadb', endpoint: { host: MYSQL.host, port: MYSQL.port }, instances: [], admin: { user: MYSQL.user, password: MYSQL.password } };
  const dirs: string[] = [];
  try {
    const settings = await enableServerAudit(root);
    await root.query(`CREATE DATABASE \`${DB}\``);
    await root.query(`CREATE TABLE \`${DB}\`.orders (id INT PRIMARY KEY, paid TINYINT NOT NULL DEFAULT 0, note VARCHAR(64))`);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [USER, '%', PASSWORD]);
    await root.query(`GRANT SELECT, INSERT, UPDATE ON \`${DB}\`.* TO ?@?`, [USER, '%']);

    const decidedAt = new Date();
    const grant = await createConnection({ ...MYSQL, user: USER, password: PASSWORD, database: DB });
    const genStart = performance.now();
    for (let i = 0; i < STATEMENTS; i++) {
      if (i % 3 === 0) await grant.query(`INSERT INTO orders VALUES (${i}, 0, 'order ${i}')`);
      else if (i % 3 === 1) await grant.query(`UPDATE orders SET paid = 1 WHERE id = ${i - 1}`);
      else await grant.query(`SELECT id, paid, note FROM orders WHERE id = ${i - 2}`);
    }
    const genMs = performance.now() - genStart;
    await grant.end();
    const revokedAt = new Date();

    const request = parseAccessRequest({
      id: REQUEST_ID,
      requester: { email: 'bench@example.com', displayName: 'Bench' },
      target: { clusterId: 'local', database: DB.slice(0, 64), environment: 'dev' },
      profile: 'write',
      privileges: ['SELECT', 'INSERT', 'UPDATE'],
      durationMinutes: 60,
      reason: 'benchmark evidence collection',
      approvalsRequired: 1,
      approvals: [{ by: { email: 'approver@example.com' }, at: decidedAt.toISOString() }],
      extensions: [],
      requestedAt: decidedAt.toISOString(),
      reviewExpiresAt: new Date(decidedAt.getTime() + 3_600_000).toISOString(),
      decidedAt: decidedAt.toISOString(),
      activeAt: decidedAt.toISOString(),
      endsAt: revokedAt.toISOString(),
      revokedAt: revokedAt.toISOString(),
      revokeReason: 'ended_by_requester',
      resources: { dbUser: USER },
      state: 'revoked',
      version: 8,
      updatedAt: revokedAt.toISOString(),
    });

    const plain = createServerAuditSource({ inventory: createStaticInventory([target]) });
    // Times the audit-log read inside each collection.
    let readMs = 0;
    const timed: AuditSource = {
      async records(q) {
        const t = performance.now();
        const out = await plain.records(q);
        readMs = performance.now() - t;
        return out;
      },
    };
    const total: number[] = [];
    const reads: number[] = [];
    const builds: number[] = [];
    const writes: number[] = [];
    const verifies: number[] = [];
    let last: Awaited<ReturnType<typeof collectEvidence>> | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const dir = await mkdtemp(join(tmpdir(), 'bench-evidence-'));
      dirs.push(dir);
      const store = createFolderEvidenceStore({ root: dir });
      let putMs = 0;
      const timedStore: EvidenceStore = {
        ...store,
        async put(key, body, options) {
          const t = performance.now();
          await store.put(key, body, options);
          putMs = performance.now() - t;
        },
      };
      const t0 = performance.now();
      last = await collectEvidence({ request, events: [], auditSource: timed, evidenceStore: timedStore });
      total.push(performance.now() - t0);
      reads.push(readMs);
      writes.push(putMs);
      const bytes = (await store.get(last.key))!;
      const t1 = performance.now();
      const ok = verifyBundle(bytes, last.sha256).ok;
      verifies.push(performance.now() - t1);
      if (!ok) throw new Error('the stored bundle does not verify');
      builds.push(total[total.length - 1]! - readMs - putMs);
    }

    const now = await readServerAuditSettings(root);
    const logDir = now.filePath.startsWith('/') ? join(now.filePath, '..') : now.datadir;
    const base = now.filePath.split('/').pop()!;
    let logBytes = 0;
    let logFiles = 0;
    for (const name of await readdir(logDir)) {
      if (name === base || name.startsWith(`${base}.`)) {
        logFiles++;
        logBytes += (await stat(join(logDir, name))).size;
      }
    }
    console.log(`evidence benchmark — ${new Date().toISOString()}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`audit plugin: logging ${settings.logging ? 'ON' : 'OFF'}, events ${settings.events.join(',') || '(all)'}; log on disk: ${logFiles} file(s), ${(logBytes / 1e6).toFixed(1)} MB (shared with every other user of this MariaDB)`);
    console.log(`generated ${STATEMENTS} statements as ${USER} in ${ms(genMs)}`);
    console.log(`bundle: ${last!.records} records (${last!.statements} statements), ${(last!.bytes / 1e6).toFixed(2)} MB, sha256 ${last!.sha256.slice(0, 16)}…`);
    console.log(`collect + seal (median of ${ROUNDS}): ${ms(median(total))}   [runs: ${total.map(ms).join(', ')}]`);
    console.log(`  read audit log:        ${ms(median(reads))}`);
    console.log(`  build + hash bundle:   ${ms(median(builds))}`);
    console.log(`  write once (folder):   ${ms(median(writes))}`);
    console.log(`verifyBundle:            ${ms(median(verifies))}`);
  } finally {
    await root.query('DROP USER IF EXISTS ?@?', [USER, '%']).catch(() => undefined);
    await root.query(`DROP DATABASE IF EXISTS \`${DB}\``).catch(() => undefined);
    await root.end();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
