import { SchemaState } from './context/schema-state';
import type { LiveSchema } from './context/snapshot';
import { resolveConfig, type ReviewConfig } from './config';
import { classifyAlter, classifyCreateIndex, type OnlineDdlVerdict } from './online-ddl';
import { ENGINE_RULE_IDS } from './rules/meta';
import { RULES_BY_ID } from './rules';
import { severityRank, type Finding, type ReportInput, type RuleContext, type Severity } from './rules/types';
import type { StatementModel } from './sql/model';
import { parseSql, type ParseOptions, type ParsedFile } from './sql/parse';
import { findSuppression, suppressionsIn, type Suppression } from './suppress';
import { targetTable } from './rules/helpers';

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

function reviewParsed(parsed: ParsedFile, config: ReviewConfig, options: ReviewOptions): ReviewResult {
  const findings: Finding[] = [];
  const suppressed: Finding[] = [];
  const statements: StatementSummary[] = [];
  const state = new SchemaState(options.live);
  const memo = new Map<string, unknown>();
  const fileSuppressions = [...parsed.statements.flatMap((s) => suppressionsIn(s.comments)), ...suppressionsIn(parsed.trailingComments)].filter((s) => s.scope === 'file');
  const enabled = [...config.rules.values()].filter((r) => !ENGINE_RULE_IDS.has(r.rule.id));
  // The crawled server's own version beats the configured one for online DDL verdicts.
  const liveMinor = /^8\.0\.(\d+)/.exec(options.live?.serverVersion ?? '')?.[1];
  const mysqlMinor = liveMinor && !/mariadb/i.test(options.live?.serverVersion ?? '') ? Number(liveMinor) : config.mysqlMinor;
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
      emit('syntax-error', { pos: stmt.error?.pos ?? stmt, message: `Statement ${stmt.index + 1} could not be read: ${stmt.error?.message ?? 'unknown error'}${hint}`, severity: config.dialect === 'mariadb' ? 'warning' : 'error' }, stmt.index, local);
      statements.push({ index: stmt.index, line: stmt.line, kind: 'unparsed' });
      continue;
    }
    const model = stmt.model;
    const target = targetTable(model);
    const ddlOpts = { dialect: config.dialect, mysqlMinor, ...(target && state.get(target) ? { table: state.get(target) } : {}) };
    const onlineDdl = model.kind === 'alter_table' ? classifyAlter(model, ddlOpts) : model.kind === 'create_index' ? classifyCreateIndex(model, ddlOpts) : undefined;
    const summary: StatementSummary = { index: stmt.index, line: stmt.line, kind: model.kind };
    if (target) summary.table = target.name;
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
      try {
        rule.check(model, ctx);
      } catch (err) {
        // A rule bug must not hide the other findings: report it and go on.
        findings.push({ ruleId: rule.id, category: rule.category, severity: 'info', message: `The rule failed on this statement (${(err as Error).message}); please report it.`, line: stmt.line, column: stmt.column, statement: stmt.index });
      }
    }
    state.apply(model);
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

/** Highest severity across results; for exit codes. */
export function meetsThreshold(results: readonly ReviewResult[], threshold: Severity): boolean {
  return results.some((r) => r.findings.some((f) => severityRank[f.severity] >= severityRank[threshold]));
}
