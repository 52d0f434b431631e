// npm run bench:review [-- --statements 5000 --rounds 3 --threads 2]
// Statements per second for parse-only (split + ANTLR parse + typed model) and for the full review
// (parse + every rule + online DDL + live snapshot) on one core, then the worker pool's review
// throughput with --threads workers. Targets: rules >= 0.9 of parse-only on one core (ratio of
// times parse-only/full); pool on 2 cores >= 1.6x single-thread parse-only.
import { cpus, loadavg } from 'node:os';
import { createReviewPool, liveSchemaFrom, parseSql, reviewSql, ALL_RULES } from '@dbre/review';
import { generateCorpus, generateSnapshot } from './corpus';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function time(fn: () => unknown): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const statements = arg('statements', 5000);
const rounds = arg('rounds', 3);
const sql = generateCorpus(statements);
const live = liveSchemaFrom(generateSnapshot(Math.ceil(statements / 7)), 'bench', 'app');
if (typeof live === 'string') throw new Error(live);

// Warm up antlr's prediction cache and the JIT on a slice of the corpus.
const warm = generateCorpus(300, 99);
parseSql(warm);
reviewSql(warm, { live });

const parseTimes: number[] = [];
const fullTimes: number[] = [];
let findings = 0;
for (let r = 0; r < rounds; r++) {
  parseTimes.push(time(() => parseSql(sql)));
  fullTimes.push(time(() => (findings = reviewSql(sql, { live }).findings.length)));
}
const parseS = median(parseTimes);
const fullS = median(fullTimes);
const parsed = parseSql(sql);
const unparsed = parsed.statements.filter((s) => !s.model).length;

console.log(`schema-review benchmark — ${parsed.statements.length} statements (${(sql.length / 1024).toFixed(0)} KB), ${ALL_RULES.length} rules, median of ${rounds} rounds`);
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`);
console.log(`parse-only   : ${(parsed.statements.length / parseS).toFixed(0).padStart(6)} statements/s (${parseS.toFixed(2)} s)`);
console.log(`parse + rules: ${(parsed.statements.length / fullS).toFixed(0).padStart(6)} statements/s (${fullS.toFixed(2)} s, ${findings} findings)`);
const ratio = parseS / fullS;
console.log(`ratio parse-only/full: ${ratio.toFixed(2)} (target >= 0.9) ${ratio >= 0.9 ? 'OK' : 'BELOW TARGET'}; rules cost ${(((fullS - parseS) / parseS) * 100).toFixed(0)}% of parse time`);
if (unparsed) console.log(`note: ${unparsed} statement(s) of the corpus did not parse`);

// The pool: the corpus split in files reviewed concurrently, parsing in worker threads.
const threads = arg('threads', 2);
const pool = createReviewPool({ threads, statementBudgetMs: 60_000 });
const files = Array.from({ length: threads * 4 }, (_, i) => generateCorpus(Math.ceil(statements / (threads * 4)), 1000 + i));
const fileStatements = files.reduce((n, f) => n + parseSql(f).statements.length, 0);
void (async () => {
  await Promise.all(files.slice(0, threads).map((f) => pool.review(f, { live })));
  const poolTimes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    await Promise.all(files.map((f) => pool.review(f, { live })));
    poolTimes.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  await pool.close();
  const poolS = median(poolTimes);
  const poolRate = fileStatements / poolS;
  const parseRate = parsed.statements.length / parseS;
  console.log(`pool (${threads} workers, full review): ${poolRate.toFixed(0).padStart(6)} statements/s (${poolS.toFixed(2)} s for ${files.length} files)`);
  console.log(`pool / single-thread parse-only: ${(poolRate / parseRate).toFixed(2)}x (target >= 1.6x on 2 cores) ${poolRate / parseRate >= 1.6 ? 'OK' : 'BELOW TARGET'}`);
})();
