import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import { loadConfigFile, resolveConfig, ReviewConfigError, type ReviewConfig } from './config';
import { loadLiveSchema, type LiveSchema } from './context/snapshot';
import { reviewSql, meetsThreshold, type ContextStatus, type ReviewResult } from './engine';
import { formatGithub } from './format/github';
import { formatGitlab } from './format/gitlab';
import { formatSarif } from './format/sarif';
import { formatText } from './format/text';
import { createReviewPool } from './pool/review-pool';
import { ALL_RULES } from './rules';
import type { Severity } from './rules/types';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

const USAGE = `usage: review [options] <file|glob>...
  --format text|json|sarif|github|gitlab  output format (default text; gitlab = Code Quality JSON)
  --fail-on error|warning|info|never exit 1 when a finding reaches this severity (default error)
  --config <file.yaml>              rule configuration (default: .schema-review.yaml if present)
  --dialect mysql80|mysql57|mariadb target server (overrides the config)
  --cluster <id> --schema <name>    compare with the doc-crawler snapshot of this schema
  --snapshots <dir>                 snapshot directory (default var/docs)
  --output <file>                   write the report to a file instead of stdout
  --max-bytes <n>                   largest file reviewed (default 5000000)
  --jobs <n>                        review files in parallel in n worker threads (default 1: in-process)
  --list-rules                      print the rules and exit
exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or config error`;

interface Args {
  files: string[];
  format: 'text' | 'json' | 'sarif' | 'github' | 'gitlab';
  failOn: Severity | 'never';
  config?: string;
  dialect?: 'mysql80' | 'mysql57' | 'mariadb';
  cluster?: string;
  schema?: string;
  snapshots: string;
  output?: string;
  maxBytes: number;
  listRules: boolean;
  jobs: number;
}

function parseArgs(argv: readonly string[]): Args | string {
  const a: Args = { files: [], format: 'text', failOn: 'error', snapshots: 'var/docs', maxBytes: 5_000_000, listRules: false, jobs: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    try {
      switch (flag) {
        case '--format': {
          const v = value();
          if (v !== 'text' && v !== 'json' && v !== 'sarif' && v !== 'github' && v !== 'gitlab') return `--format must be text, json, sarif, github or gitlab, not ${v}`;
          a.format = v;
          break;
        }
        case '--fail-on': {
          const v = value();
          if (v !== 'error' && v !== 'warning' && v !== 'info' && v !== 'never') return `--fail-on must be error, warning, info or never, not ${v}`;
          a.failOn = v;
          break;
        }
        case '--config':
          a.config = value();
          break;
        case '--dialect': {
          const v = value();
          if (v !== 'mysql80' && v !== 'mysql57' && v !== 'mariadb') return `--dialect must be mysql80, mysql57 or mariadb, not ${v}`;
          a.dialect = v;
          break;
        }
        case '--cluster':
          a.cluster = value();
          break;
        case '--schema':
          a.schema = value();
          break;
        case '--snapshots':
          a.snapshots = value();
          break;
        case '--output':
          a.output = value();
          break;
        case '--max-bytes': {
          const n = Number(value());
          if (!Number.isInteger(n) || n <= 0) return '--max-bytes must be a positive integer';
          a.maxBytes = n;
          break;
        }
        case '--jobs': {
          const n = Number(value());
          if (!Number.isInteger(n) || n <= 0 || n > 64) return '--jobs must be an integer from 1 to 64';
          a.jobs = n;
          break;
        }
        case '--list-rules':
          a.listRules = true;
          break;
        case '--help':
        case '-h':
          return '';
        default:
          if (arg.startsWith('-')) return `unknown option ${arg}`;
          a.files.push(arg);
      }
    } catch (err) {
      return (err as Error).message;
    }
  }
  if ((a.cluster && !a.schema) || (!a.cluster && a.schema)) return '--cluster and --schema go together';
  return a;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** The CLI, testable: returns the exit code instead of exiting. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.stderr(`${args ? `review: ${args}\n` : ''}${USAGE}\n`);
    return args ? 2 : 0;
  }
  if (args.listRules) {
    io.stdout(`${ALL_RULES.map((r) => `${r.id.padEnd(36)} ${r.severity.padEnd(8)} ${r.category.padEnd(12)} ${r.title}`).join('\n')}\n`);
    return 0;
  }
  let config: ReviewConfig;
  try {
    const configPath = args.config ? path.resolve(io.cwd, args.config) : path.join(io.cwd, '.schema-review.yaml');
    config = args.config || (await exists(configPath)) ? await loadConfigFile(configPath) : resolveConfig({});
  } catch (err) {
    io.stderr(`review: ${err instanceof ReviewConfigError ? err.message : (err as Error).message}\n`);
    return 2;
  }
  if (args.dialect) config = { ...config, dialect: args.dialect };
  if (!args.files.length) {
    io.stderr(`review: no files given\n${USAGE}\n`);
    return 2;
  }
  const files = (await fg(args.files, { cwd: io.cwd, onlyFiles: true, unique: true, dot: false })).sort();
  if (!files.length) {
    io.stderr(`review: no file matches ${args.files.join(' ')}\n`);
    return 2;
  }

  let live: LiveSchema | undefined;
  let context: ContextStatus = { status: 'not-requested' };
  if (args.cluster && args.schema) {
    const found = await loadLiveSchema(path.resolve(io.cwd, args.snapshots), args.cluster, args.schema);
    if (found.status === 'found') {
      live = found.live;
      context = { status: 'found', cluster: args.cluster, schema: found.live.schema, ...(found.live.generatedAt ? { generatedAt: found.live.generatedAt } : {}) };
    } else context = { status: 'missing', cluster: args.cluster, schema: args.schema, reason: found.reason };
  }

  // With --jobs > 1 files are parsed in parallel in worker threads (each statement with a time budget).
  const pool = args.jobs > 1 ? createReviewPool({ threads: args.jobs }) : undefined;
  let results: ReviewResult[];
  try {
    results = await Promise.all(
      files.map(async (file): Promise<ReviewResult> => {
        const full = path.resolve(io.cwd, file);
        const size = (await stat(full)).size;
        if (size > args.maxBytes) return tooLarge(file, size, args.maxBytes, context, config);
        const sql = await readFile(full, 'utf8');
        const options = { config, file, context, ...(live ? { live } : {}) };
        return pool ? pool.review(sql, options) : reviewSql(sql, options);
      }),
    );
  } finally {
    await pool?.close();
  }

  const out =
    args.format === 'json'
      ? `${JSON.stringify({ results, summary: totals(results) }, null, 2)}\n`
      : args.format === 'sarif'
        ? `${JSON.stringify(formatSarif(results, ALL_RULES), null, 2)}\n`
        : args.format === 'github'
          ? formatGithub(results)
          : args.format === 'gitlab'
            ? `${JSON.stringify(formatGitlab(results), null, 2)}\n`
            : formatText(results);
  if (args.output) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.resolve(io.cwd, args.output), out);
    io.stderr(formatText(results).split('\n').slice(-2).join('\n'));
  } else io.stdout(out);
  return args.failOn !== 'never' && meetsThreshold(results, args.failOn) ? 1 : 0;
}

function totals(results: readonly ReviewResult[]): Record<string, number> {
  const t = { files: results.length, statements: 0, errors: 0, warnings: 0, infos: 0, suppressed: 0 };
  for (const r of results) {
    t.statements += r.summary.statements;
    t.errors += r.summary.errors;
    t.warnings += r.summary.warnings;
    t.infos += r.summary.infos;
    t.suppressed += r.summary.suppressed;
  }
  return t;
}

function tooLarge(file: string, size: number, max: number, context: ContextStatus, config: ReviewConfig): ReviewResult {
  return {
    file,
    context,
    server: { dialect: config.dialect, version: config.dialect === 'mysql80' ? `8.0.${config.mysqlMinor}` : config.dialect, source: 'config' },
    statements: [],
    suppressed: [],
    findings: [{ ruleId: 'syntax-error', category: 'syntax', severity: 'error', message: `The file is ${size} bytes, over the ${max} the reviewer reads (--max-bytes); it was not reviewed.`, line: 1, column: 1, statement: -1, file }],
    summary: { statements: 0, unparsed: 0, errors: 1, warnings: 0, infos: 0, suppressed: 0, highest: 'error' },
  };
}
