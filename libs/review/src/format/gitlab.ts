import { createHash } from 'node:crypto';
import type { ReviewResult } from '../engine';

const SEVERITY = { error: 'critical', warning: 'major', info: 'info' } as const;

/**
 * GitLab Code Quality report (a JSON array; `artifacts: reports: codequality:` in .gitlab-ci.yml).
 * Positions keep the exact line and column; the fingerprint is stable across runs for one finding.
 */
export function formatGitlab(results: readonly ReviewResult[]): Array<Record<string, unknown>> {
  return results.flatMap((r) =>
    r.findings.map((f) => {
      const path = (f.file ?? r.file ?? 'input.sql').replaceAll('\\', '/');
      return {
        description: `${f.ruleId}: ${f.message}`,
        check_name: f.ruleId,
        fingerprint: createHash('sha256').update(`${path}\u0000${f.ruleId}\u0000${f.line}\u0000${f.column}\u0000${f.message}`).digest('hex'),
        severity: SEVERITY[f.severity],
        categories: [f.category === 'safety' || f.category === 'online-ddl' ? 'Bug Risk' : 'Style'],
        location: { path, positions: { begin: { line: Math.max(1, f.line), column: Math.max(1, f.column) } } },
        ...(f.fix ? { content: { body: f.fix } } : {}),
      };
    }),
  );
}
