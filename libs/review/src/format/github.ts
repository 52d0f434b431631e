import type { ReviewResult } from '../engine';

const LEVEL = { error: 'error', warning: 'warning', info: 'notice' } as const;

/** GitHub workflow commands must escape %, CR, LF (and , : in properties). */
function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** `::error file=...,line=...,col=...,title=...::message` lines, shown as annotations on the PR. */
export function formatGithub(results: readonly ReviewResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const f of r.findings) {
      const props = [r.file ? `file=${escapeProperty(r.file)}` : '', `line=${f.line}`, `col=${f.column}`, `title=${escapeProperty(`${f.ruleId} (${f.severity})`)}`].filter(Boolean).join(',');
      lines.push(`::${LEVEL[f.severity]} ${props}::${escapeData(`${f.message}${f.fix ? `\nFix: ${f.fix}` : ''}`)}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
