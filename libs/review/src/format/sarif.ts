import type { ReviewResult } from '../engine';
import type { Rule } from '../rules/types';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/** SARIF 2.1.0, as GitHub code scanning reads it (upload with github/codeql-action/upload-sarif). */
export function formatSarif(results: readonly ReviewResult[], rules: readonly Rule<unknown>[], version = '0.1.0'): Record<string, unknown> {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'dbre-schema-review',
            informationUri: 'https://example.invalid/dbre-platform/docs/schema-review.md',
            version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              fullDescription: { text: r.rationale },
              help: { text: r.fix },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { category: r.category },
            })),
          },
        },
        results: results.flatMap((r) =>
          [...r.findings, ...r.suppressed].map((f) => ({
            ruleId: f.ruleId,
            ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
            level: LEVEL[f.severity],
            message: { text: f.fix ? `${f.message} Fix: ${f.fix}` : f.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: (f.file ?? r.file ?? 'input.sql').replaceAll('\\', '/') },
                  region: { startLine: Math.max(1, f.line), startColumn: Math.max(1, f.column) },
                },
              },
            ],
            ...(f.suppressed ? { suppressions: [{ kind: 'inSource', justification: f.suppressed.reason }] } : {}),
          })),
        ),
      },
    ],
  };
}
