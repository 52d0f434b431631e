import type { z } from 'zod';
import type { LiveSchema } from '../context/snapshot';
import type { Pos, StatementModel } from '../sql/model';
import type { ParsedFile, ParsedStatement } from '../sql/parse';
import type { KnownTable, SchemaState } from '../context/schema-state';
import type { OnlineDdlVerdict } from '../online-ddl';

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
export const severityRank: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export type Category = 'syntax' | 'naming' | 'table' | 'column' | 'index' | 'safety' | 'online-ddl' | 'context' | 'suppression';

export type Dialect = 'mysql80' | 'mysql57' | 'mariadb';

export interface Finding {
  ruleId: string;
  category: Category;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  /** What to do about it. */
  fix?: string;
  /** 0-based index of the statement in the file. */
  statement: number;
  /** The file, when several are reviewed (CLI). */
  file?: string;
  /** Set when an inline `review:disable` comment silenced the finding. */
  suppressed?: { reason: string };
}

export interface ReportInput {
  pos: Pos;
  message: string;
  fix?: string;
  /** Overrides the rule's severity for this one finding (e.g. money in FLOAT is worse). */
  severity?: Severity;
}

export interface RuleContext<P> {
  params: P;
  dialect: Dialect;
  statement: ParsedStatement;
  file: ParsedFile;
  /** Tables known before this statement: the live snapshot plus what earlier statements did. */
  state: SchemaState;
  /** The snapshot, when the caller named a cluster and schema and one was found. */
  live?: LiveSchema;
  /** The online DDL verdict of this ALTER / CREATE INDEX (MySQL 8.0 rules). */
  onlineDdl?: OnlineDdlVerdict;
  /** Per-file scratch space for rules that look across statements (keyed by rule id). */
  memo: Map<string, unknown>;
  report(finding: ReportInput): void;
}

export interface RuleExample {
  /** SQL that must raise this rule. */
  bad: string;
  /** SQL that must not. */
  good: string;
  /** The rule needs the test snapshot (context rules). */
  live?: boolean;
}

export interface Rule<P = Record<string, never>> {
  id: string;
  category: Category;
  severity: Severity;
  /** One line: what the rule wants. */
  title: string;
  /** Why, for a developer. */
  rationale: string;
  /** How to fix, in general. */
  fix: string;
  params?: z.ZodType<P>;
  /** Off unless the config enables it. */
  disabledByDefault?: boolean;
  examples: RuleExample[];
  /** Per statement: rules about an operation (drop, rename, blocking ALTER). */
  check?(stmt: StatementModel, ctx: RuleContext<P>): void;
  /**
   * Per table, on the state the file leaves (on top of the snapshot): rules about what a table must
   * have. Reported at the statement after which the table became wrong; a table that was already
   * wrong in the live database and stays so is not blamed on this file.
   */
  table?(t: KnownTable, params: P): TableProblem | undefined;
}

export type TableProblem = string | { message: string; severity?: Severity; fix?: string };

/** Keeps each rule's params type while listing rules of different params together. */
export function defineRule<P>(rule: Rule<P>): Rule<unknown> {
  return rule as unknown as Rule<unknown>;
}
