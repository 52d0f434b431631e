import { SchemaState } from './context/schema-state';
import type { LiveSchema } from './context/snapshot';
import { DEFAULT_REBUILD_RATE, resolveConfig, type ReviewConfig } from './config';
import { classifyAlter, classifyCreateIndex, type OnlineDdlVerdict } from './online-ddl';
import { ENGINE_RULE_IDS } from './rules/meta';
import { RULES_BY_ID } from './rules';
import { severityRank, type Finding, type ReportInput, type RuleContext, type Severity } from './rules/types';
import type { StatementModel } from './sql/model';
import { parseSql, type ParseOptions, type ParsedFile } from './sql/parse';
import { findSuppression, suppressionsIn, type Suppression } from './suppress';
import { targetTable } from './rules/helpers';
import type { Pos, TableName } from './sql/model';
import type { TableProblem } from './rules/types';

interface Watch {
  bad: boolean;
  /** Wrong before this file touched it (from the snapshot): not this file's doing. */
  preexisting: boolean;
  since?: { index: number; pos: Pos; local: readonly Suppression[] };
}

/** Tables whose shape a statement may change (before renames are applied). */
function touchedTables(model: StatementModel): TableName[] {
  switch (model.kind) {
    case 'create_table':
    case 'alter_table':
    case 'create_index':
    case 'drop_index':
      return [model.table];
    case 'drop_table':
      return model.tables;
    case 'rename_table':
      return model.pairs.map((p) => p.from);
    default:
      return [];
  }
}

function renamesOf(model: StatementModel): Array<{ from: string; to: string }> {
  if (model.kind === 'rename_table') return model.pairs.map((p) => ({ from: p.from.name.toLowerCase(), to: p.to.name.toLowerCase() }));
  if (model.kind === 'alter_table') return model.actions.flatMap((a) => (a.op === 'rename_table' ? [{ from: model.table.name.toLowerCase(), to: a.to.name.toLowerCase() }] : []));
  return [];
}

function problemInput(p: TableProblem, pos: Pos): ReportInput {
  return typeof p === 'string' ? { pos, message: p } : { pos, ...p };
}

export interface ContextStatus {
  status: 'not-requested' | 'found' | 'missing';
  cluster?: string;
  schema?: string;
  /** Why no snapshot was used. */
  reason?: string;
  generatedAt?: string;
}

export interface StatementSummary {
  index: number;
  line: number;
  kind: StatementModel['kind'] | 'unparsed';
  table?: string;
  onlineDdl?: OnlineDdlVerdict;
}

export interface ReviewSummary {
  statements: number;
  unparsed: number;
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
  /** The most severe active finding, or null when clean. */
  highest: Severity | null;
}

export interface ReviewResult {
  file?: string;
  findings: Finding[];
  suppressed: Finding[];
  statements: StatementSummary[];
  summary: ReviewSummary;
  context: ContextStatus;
  /** The server the verdicts were computed for (the snapshot's version beats the configured one). */
  server: { dialect: ReviewConfig['dialect']; version: string; source: 'snapshot' | 'config' };
}

export interface ReviewOptions extends ParseOptions {
  config?: ReviewConfig;
  /** The file name, shown in findings (CLI). */
  file?: string;
  live?: LiveSchema;
  context?: ContextStatus;
}

const DEFAULT_CONFIG = resolveConfig({});

/** Reviews one SQL text. Synchronous and pure: the snapshot is loaded by the caller. */
export function reviewSql(sql: string, options: ReviewOptions = {}): ReviewResult {
  const config = options.config ?? DEFAULT_CONFIG;
  const parsed = parseSql(sql, options);
  return reviewParsed(parsed, config, options);
}

/** Runs the rules on a file parsed elsewhere (e.g. by the worker pool). */
export function reviewParsedFile(parsed: ParsedFile, options: ReviewOptions = {}): ReviewResult {
  return reviewParsed(parsed, options.config ?? DEFAULT_CONFIG, options);
}

function reviewParsed(parsed: ParsedFile, config: ReviewConfig, options: ReviewOptions): ReviewResult {
  const findings: Finding[] = [];
  const suppressed: Finding[] = [];
  const statements: StatementSummary[] = [];
  const state = new SchemaState(options.live);
  const memo = new Map<string, unknown>();
  const fileSuppressions = [...parsed.statements.flatMap((s) => suppressionsIn(s.comments)), ...suppressionsIn(parsed.trailingComments)].filter((s) => s.scope === 'file');
  const enabled = [...config.rules.values()].filter((r) => !ENGINE_RULE_IDS.has(r.rule.id));
  const tableRules = enabled.filter((r) => r.rule.table);
  const watch = new Map<string, Map<string, Watch>>();
  // The crawled server's own version beats the configured one for online DDL verdicts.
  const target = serverTarget(config, options.live?.serverVersion);
  const { mysqlMinor } = target;
  const context: ContextStatus = options.context ?? (options.live ? { status: 'found', cluster: options.live.cluster, schema: options.live.schema } : { status: 'not-requested' });

  const emit = (ruleId: string, input: ReportInput, statement: number, local: readonly Suppression[]): void => {
    const resolved = config.rules.get(ruleId);
    if (!resolved) return;
    const severity = resolved.severityFixed ? resolved.severity : (input.severity ?? resolved.severity);
    const f: Finding = {
      ruleId,
      category: resolved.rule.category,
      severity,
      message: input.message,
      line: input.pos.line,
      column: input.pos.column,
      fix: input.fix ?? resolved.rule.fix,
      statement,
    };
    if (options.file) f.file = options.file;
    const s = findSuppression(local, ruleId) ?? findSuppression(fileSuppressions, ruleId);
    if (s) {
      f.suppressed = { reason: s.reason || '(no reason given)' };
      suppressed.push(f);
    } else findings.push(f);
  };

  // Suppression comments are checked first: a bad one is itself a finding.
  for (const stmt of parsed.statements) {
    for (const s of suppressionsIn(stmt.comments)) checkSuppression(s, stmt.index, { line: stmt.line, column: stmt.column }, emit);
  }
  for (const s of suppressionsIn(parsed.trailingComments)) checkSuppression(s, -1, { line: parsed.statements.at(-1)?.endLine ?? 1, column: 1 }, emit);

  for (const stmt of parsed.statements) {
    const local = suppressionsIn(stmt.comments).filter((s) => s.scope === 'statement');
    if (!stmt.model) {
      const hint = config.dialect === 'mariadb' ? ' (MariaDB-only syntax is not understood by the MySQL grammar; review it by hand)' : '';
      if (stmt.error?.code === 'budget') {
        emit('parse-time-budget', { pos: stmt.error.pos, message: `Statement ${stmt.index + 1}: ${stmt.error.message}` }, stmt.index, local);
        statements.push({ index: stmt.index, line: stmt.line, kind: 'unparsed' });
        continue;
      }
      emit('syntax-error', { pos: stmt.error?.pos ?? stmt, message: `Statement ${stmt.index + 1} could not be read: ${stmt.error?.message ?? 'unknown error'}${hint}`, severity: config.dialect === 'mariadb' ? 'warning' : 'error' }, stmt.index, local);
      statements.push({ index: stmt.index, line: stmt.line, kind: 'unparsed' });
      continue;
    }
    const model = stmt.model;
    const table = targetTable(model);
    const ddlOpts = { dialect: target.dialect, mysqlMinor, ...(table && state.get(table) ? { table: state.get(table) } : {}) };
    const onlineDdl = model.kind === 'alter_table' ? classifyAlter(model, ddlOpts) : model.kind === 'create_index' ? classifyCreateIndex(model, ddlOpts) : undefined;
    const known = ddlOpts.table;
    if (onlineDdl && known?.bytes !== undefined && known.source === 'snapshot') {
      const rate = config.rebuildRate ?? DEFAULT_REBUILD_RATE;
      onlineDdl.table = { name: known.name, bytes: known.bytes, ...(known.rows !== undefined ? { rows: known.rows } : {}) };
      if (onlineDdl.algorithm === 'COPY' || onlineDdl.rebuild) onlineDdl.table.estimatedSeconds = Math.ceil(known.bytes / (onlineDdl.algorithm === 'COPY' ? rate.copyBytesPerSecond : rate.inplaceBytesPerSecond));
    }
    const summary: StatementSummary = { index: stmt.index, line: stmt.line, kind: model.kind };
    if (table) summary.table = table.name;
    if (onlineDdl) summary.onlineDdl = onlineDdl;
    statements.push(summary);

    for (const { rule, params } of enabled) {
      const ctx: RuleContext<unknown> = {
        params,
        dialect: config.dialect,
        statement: stmt,
        file: parsed,
        state,
        memo,
        report: (input) => emit(rule.id, input, stmt.index, local),
      };
      if (options.live) ctx.live = options.live;
      if (onlineDdl) ctx.onlineDdl = onlineDdl;
      if (!rule.check) continue;
      try {
        rule.check(model, ctx);
      } catch (err) {
        // A rule bug must not hide the other findings: report it and go on.
        findings.push({ ruleId: rule.id, category: rule.category, severity: 'info', message: `The rule failed on this statement (${(err as Error).message}); please report it.`, line: stmt.line, column: stmt.column, statement: stmt.index });
      }
    }
    const touched = tableRules.length ? touchedTables(model).map((t) => t.name.toLowerCase()) : [];
    for (const key of touched) {
      if (watch.has(key)) continue;
      const before = state.tables.get(key);
      const entries = new Map<string, Watch>();
      for (const { rule, params } of tableRules) {
        const bad = !!before && !before.temporary && !!rule.table?.(before, params);
        entries.set(rule.id, { bad, preexisting: bad });
      }
      watch.set(key, entries);
    }
    state.apply(model);
    if (!touched.length) continue;
    const after = new Set(touched);
    for (const r of renamesOf(model)) {
      const w = watch.get(r.from);
      watch.delete(r.from);
      after.delete(r.from);
      if (w) watch.set(r.to, w);
      after.add(r.to);
    }
    for (const key of after) {
      const t = state.tables.get(key);
      const entries = watch.get(key);
      if (!t || !entries) {
        watch.delete(key);
        continue;
      }
      for (const { rule, params } of tableRules) {
        const e = entries.get(rule.id) ?? { bad: false, preexisting: false };
        entries.set(rule.id, e);
        const problem = !t.temporary && !!rule.table?.(t, params);
        if (problem && !e.bad) Object.assign(e, { bad: true, preexisting: false, since: { index: stmt.index, pos: { line: stmt.line, column: stmt.column }, local } });
        else if (!problem) Object.assign(e, { bad: false, preexisting: false });
      }
    }
  }

  // What a table must have is judged on the state the whole file leaves.
  for (const [key, entries] of watch) {
    const t = state.tables.get(key);
    if (!t) continue;
    for (const { rule, params } of tableRules) {
      const e = entries.get(rule.id);
      const problem = e?.bad && !e.preexisting && e.since ? rule.table?.(t, params) : undefined;
      if (problem && e?.since) emit(rule.id, problemInput(problem, e.since.pos), e.since.index, e.since.local);
    }
  }

  if (context.status === 'missing') {
    emit('context-no-snapshot', { pos: { line: 1, column: 1 }, message: `Reviewed without the live database: ${context.reason ?? 'no snapshot'}. Checks against existing tables, columns and sizes were skipped.` }, -1, []);
  }

  const byPos = (a: Finding, b: Finding): number => a.line - b.line || a.column - b.column || severityRank[b.severity] - severityRank[a.severity] || a.ruleId.localeCompare(b.ruleId);
  findings.sort(byPos);
  suppressed.sort(byPos);
  const count = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  const errors = count('error');
  const warnings = count('warning');
  const infos = count('info');
  const result: ReviewResult = {
    findings,
    suppressed,
    statements,
    context,
    server: { dialect: target.dialect, version: target.version, source: target.source },
    summary: {
      statements: parsed.statements.length,
      unparsed: parsed.statements.filter((s) => !s.model).length,
      errors,
      warnings,
      infos,
      suppressed: suppressed.length,
      highest: errors ? 'error' : warnings ? 'warning' : infos ? 'info' : null,
    },
  };
  if (options.file) result.file = options.file;
  return result;
}

function checkSuppression(s: Suppression, statement: number, pos: { line: number; column: number }, emit: (id: string, input: ReportInput, statement: number, local: readonly Suppression[]) => void): void {
  const unknown = s.ids.filter((id) => id !== 'all' && !RULES_BY_ID.has(id));
  if (!s.ids.length) emit('suppression-unknown-rule', { pos, message: `"${s.comment}" names no rule id.` }, statement, []);
  if (unknown.length) emit('suppression-unknown-rule', { pos, message: `"${s.comment}" names unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}.` }, statement, []);
  if (s.ids.length && !s.reason) emit('suppression-missing-reason', { pos, message: `"${s.comment}" gives no reason.` }, statement, []);
}

export interface ServerTarget {
  dialect: ReviewConfig['dialect'];
  mysqlMinor: number;
  /** e.g. `8.0.32`, `5.7.44`, `10.11.6-MariaDB`. */
  version: string;
  /** Where the version comes from: the crawled server, or the configuration. */
  source: 'snapshot' | 'config';
}

/** The crawled server's own version beats the configured one for online DDL verdicts. */
export function serverTarget(config: ReviewConfig, serverVersion: string | undefined): ServerTarget {
  const v = serverVersion ?? '';
  if (/mariadb/i.test(v)) return { dialect: 'mariadb', mysqlMinor: config.mysqlMinor, version: v, source: 'snapshot' };
  const m80 = /^8\.0\.(\d+)/.exec(v)?.[1];
  if (m80) return { dialect: 'mysql80', mysqlMinor: Number(m80), version: v, source: 'snapshot' };
  if (/^5\.7\./.test(v)) return { dialect: 'mysql57', mysqlMinor: config.mysqlMinor, version: v, source: 'snapshot' };
  if (/^8\.\d+\./.test(v)) return { dialect: config.dialect, mysqlMinor: 99, version: v, source: 'snapshot' };
  const version = config.dialect === 'mysql57' ? '5.7' : config.dialect === 'mariadb' ? 'MariaDB' : `8.0.${config.mysqlMinor}`;
  return { dialect: config.dialect, mysqlMinor: config.mysqlMinor, version, source: 'config' };
}

/** Highest severity across results; for exit codes. */
export function meetsThreshold(results: readonly ReviewResult[], threshold: Severity): boolean {
  return results.some((r) => r.findings.some((f) => severityRank[f.severity] >= severityRank[threshold]));
}
