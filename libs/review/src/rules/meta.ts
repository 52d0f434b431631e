import { defineRule } from './types';

/** These findings come from the engine (parse, snapshot lookup, suppression comments). */
function engineRaised(): void {
  return undefined;
}

/** Rules raised by the engine itself, not per statement: listed so they can be configured. */
export const metaRules = [
  defineRule({
    id: 'syntax-error',
    category: 'syntax',
    severity: 'error',
    title: 'Every statement can be read',
    rationale: 'A statement the parser cannot read is not reviewed; it is usually a typo MySQL will reject too, or syntax (MariaDB-only, very new MySQL) the reviewer does not know.',
    fix: 'Fix the syntax; if MySQL accepts it, suppress this finding with a reason and review the statement by hand.',
    examples: [{ bad: 'CREATE TABLE t (id int', good: 'CREATE TABLE t (id int NOT NULL PRIMARY KEY)' }],
    check: engineRaised,
  }),
  defineRule({
    id: 'parse-time-budget',
    category: 'syntax',
    severity: 'error',
    title: 'Every statement is read within its time budget',
    rationale: 'A statement the parser cannot read in time (hundreds of nested CASE, a huge expression) is not reviewed; the reviewer stops it rather than stall, and says so.',
    fix: 'Simplify the statement (split it, use a lookup table instead of a giant CASE) or review it by hand and suppress this finding with the reason.',
    examples: [],
    check: engineRaised,
  }),
  defineRule({
    id: 'context-no-snapshot',
    category: 'context',
    severity: 'info',
    title: 'The review says when it could not compare with the live database',
    rationale: 'Without the doc-crawler snapshot, checks such as "column already exists" or "rebuilds a 12 GB table" cannot run; the reader must know.',
    fix: 'Name a cluster and schema the doc-crawler has crawled, or check the snapshot directory.',
    examples: [],
    check: engineRaised,
  }),
  defineRule({
    id: 'suppression-unknown-rule',
    category: 'suppression',
    severity: 'warning',
    title: 'review:disable names existing rules',
    rationale: 'A misspelt rule id suppresses nothing, so the finding meant to be silenced still shows and the comment misleads.',
    fix: 'Use a rule id from `npm run review -- --list-rules`.',
    examples: [{ bad: '-- review:disable no-such-rule because\nSELECT 1', good: '-- review:disable safety-truncate staging table, refilled nightly\nTRUNCATE TABLE t' }],
    check: engineRaised,
  }),
  defineRule({
    id: 'suppression-missing-reason',
    category: 'suppression',
    severity: 'warning',
    title: 'review:disable gives a reason',
    rationale: 'A silenced finding without a reason cannot be re-evaluated later; the reason is shown in every output.',
    fix: 'Write the reason after the rule ids: `-- review:disable safety-truncate staging table, refilled nightly`.',
    examples: [{ bad: '-- review:disable safety-truncate\nTRUNCATE TABLE t', good: '-- review:disable safety-truncate staging table, refilled nightly\nTRUNCATE TABLE t' }],
    check: engineRaised,
  }),
];

export const ENGINE_RULE_IDS: ReadonlySet<string> = new Set(metaRules.map((r) => r.id));
