import type { ReviewResult } from '../engine';

export const DEFAULT_GUIDELINE = `Team DDL guideline (MySQL 8.0 / Aurora MySQL 3):
- InnoDB, utf8mb4, every table has a BIGINT UNSIGNED AUTO_INCREMENT primary key, a table comment and created_at/updated_at.
- Columns NOT NULL with defaults unless NULL means something; comments on every column; DECIMAL for money; no ENUM.
- Index names idx_/uk_/ft_; no duplicate or redundant indexes; no foreign key constraints (index the reference columns instead).
- Schema changes must be online: prefer ALGORITHM=INSTANT, else INPLACE with LOCK=NONE; large tables go through gh-ost.
- Destructive changes (DROP, TRUNCATE, RENAME, type narrowing) need a plan for the application and the data.`;

const MAX_SQL_IN_PROMPT = 60_000;

export const SYSTEM_PROMPT = `You are a senior MySQL database reliability engineer giving a second opinion on a DDL change.
A deterministic rule engine has already reviewed it; its findings are authoritative.
Explain the risks in plain language and add what the rules cannot see (data migration, application rollout, query patterns, naming meaning).
Never silently contradict a rule finding: if you believe one is wrong, list it under "disagreements" with the rule id and your reason.
Answer with one JSON object only, no prose around it, exactly of this shape:
{"summary": string, "comments": [{"severity": "error"|"warning"|"info", "line": number|null, "message": string, "suggestion": string|null}], "disagreements": [{"ruleId": string, "line": number|null, "reason": string}]}`;

export function buildUserPrompt(sql: string, result: ReviewResult, guideline = DEFAULT_GUIDELINE): string {
  const findings = result.findings.map((f) => `- line ${f.line} [${f.severity}] ${f.ruleId}: ${f.message}`).join('\n') || '- (none)';
  const ddl = result.statements.filter((s) => s.onlineDdl).map((s) => `- line ${s.line}: ${s.onlineDdl?.algorithm}, LOCK=${s.onlineDdl?.lock}${s.onlineDdl?.rebuild ? ', rebuilds' : ''}`).join('\n') || '- (no ALTER)';
  const context = result.context.status === 'found' ? `Compared with live schema ${result.context.cluster}/${result.context.schema}.` : 'No live schema snapshot was used.';
  const body = sql.length > MAX_SQL_IN_PROMPT ? `${sql.slice(0, MAX_SQL_IN_PROMPT)}\n-- (truncated)` : sql;
  return `## Guideline\n${guideline}\n\n## DDL\n\`\`\`sql\n${body}\n\`\`\`\n\n## Rule findings\n${findings}\n\n## Online DDL verdicts\n${ddl}\n\n${context}`;
}
