import { html, type SafeHtml } from '../html/html';
import { when } from '../html/layout';
import type { StoredReview } from '../read/reviews-read';

type Finding = NonNullable<StoredReview['findings']>[number];

const severityOf = (f: Finding) => f.severity ?? f.level ?? '';
const isError = (f: Finding) => /err|high|crit|block/i.test(severityOf(f));

function verdictBadge(verdict: string | undefined): SafeHtml {
  if (!verdict) return html`–`;
  return html`<span class="badge ${/fail|block|error|reject/i.test(verdict) ? 'bad' : /warn/i.test(verdict) ? 'warn' : 'ok'}">${verdict}</span>`;
}

/** The server type the review was checked against (schema-review's dialects: mysql80, mysql57, mariadb). */
const SERVER_TYPES: Record<string, string> = { mysql80: 'MySQL 8.0', mysql57: 'MySQL 5.7', mariadb: 'MariaDB' };
function serverType(dialect: string | undefined): string {
  if (!dialect) return 'not recorded';
  return SERVER_TYPES[dialect] ?? dialect;
}

export function reviewsPage(data: { available: boolean; items: StoredReview[] }): SafeHtml {
  if (!data.available) return html`<p class="empty card">Schema reviews are not stored here (the reviews table does not exist).</p>`;
  if (data.items.length === 0) return html`<p class="empty card">No schema review has been stored yet.</p>`;
  return html`<div class="table-wrap"><table class="cards">
<thead><tr><th>When</th><th>Review</th><th>Verdict</th><th>Findings</th></tr></thead>
<tbody>${data.items.map((r) => {
    // Errors first, then warnings: the first lines are the ones that block.
    const findings = [...(r.findings ?? [])].sort((a, b) => Number(isError(b)) - Number(isError(a)));
    const errors = findings.filter(isError).length;
    return html`<tr>
  <td data-label="When">${when(r.createdAt ?? r.at)}</td>
  <td data-label="Review" class="wrap"><a href="/reviews/${r.id}">${r.title ?? r.id}</a><span class="sub">${[r.cluster && `${r.cluster}${r.schema ? `/${r.schema}` : ''}`, r.source, r.author].filter(Boolean).join(' · ')}</span></td>
  <td data-label="Verdict">${verdictBadge(r.verdict)}</td>
  <td data-label="Findings" class="wrap">${findings.length === 0
    ? html`<span class="muted">none</span>`
    : html`${errors} error${errors === 1 ? '' : 's'}, ${findings.length - errors} warning${findings.length - errors === 1 ? '' : 's'}${r.findingsTruncated ? ' (more not stored)' : ''}<ul style="margin:0;padding-left:1.1rem">${findings.slice(0, 3).map(
        (f) => html`<li>${severityOf(f) ? html`<span class="badge ${isError(f) ? 'bad' : 'warn'}">${severityOf(f)}</span> ` : ''}<span class="mono">${f.ruleId ?? f.rule ?? ''}</span> ${f.message ?? ''}${f.line ? html` <span class="muted">(line ${f.line})</span>` : ''}</li>`,
      )}${findings.length > 3 ? html`<li><a href="/reviews/${r.id}">… ${findings.length - 3} more: the full review</a></li>` : ''}</ul>`}</td>
</tr>`;
  })}</tbody></table></div>`;
}

function findingList(title: string, findings: Finding[], kind: 'bad' | 'warn'): SafeHtml {
  if (!findings.length) return html``;
  return html`<h2>${title} (${findings.length})</h2>
<ol class="findings">${findings.map(
    (f) => html`<li class="card" data-rule="${f.ruleId ?? f.rule ?? ''}">
  <p><span class="badge ${kind}">${severityOf(f) || (kind === 'bad' ? 'error' : 'warning')}</span> <span class="mono">${f.ruleId ?? f.rule ?? ''}</span>${f.line ? html` <span class="muted">line ${f.line}${f.column ? html`, column ${f.column}` : ''}</span>` : ''}${f.table ? html` · <span class="mono">${f.table}</span>` : ''}</p>
  <p class="wrap">${f.message ?? ''}</p>
  ${f.fix ? html`<p class="wrap"><strong>Suggested fix:</strong> ${f.fix}</p>` : ''}
</li>`,
  )}</ol>`;
}

/** One review: where, against which server, the SQL excerpt, and every finding, errors apart from warnings. */
export function reviewPage(r: StoredReview): SafeHtml {
  const findings = r.findings ?? [];
  const errors = findings.filter(isError);
  const warnings = findings.filter((f) => !isError(f));
  return html`<div class="card">
<dl class="facts">
  <dt>Verdict</dt><dd>${verdictBadge(r.verdict)}</dd>
  <dt>When</dt><dd>${when(r.createdAt ?? r.at)}</dd>
  <dt>Cluster / schema</dt><dd>${r.cluster ?? 'not given'}${r.schema ? html` / <span class="mono">${r.schema}</span>` : ''}</dd>
  <dt>Server type</dt><dd>${serverType(r.dialect)}</dd>
  <dt>From</dt><dd>${[r.source, r.author].filter(Boolean).join(' · ') || '–'}</dd>
</dl>
</div>
${r.excerpt ? html`<h2>SQL (excerpt)</h2><pre class="data card mono">${r.excerpt}</pre>` : ''}
${findings.length === 0 ? html`<p class="empty card">No finding: the statements follow the guidelines.</p>` : ''}
${findingList('Errors', errors, 'bad')}
${findingList('Warnings', warnings, 'warn')}
${r.findingsTruncated ? html`<p class="muted">More findings were reported than stored; run the review again (REST or CLI) to see them all.</p>` : ''}
<p><a href="/reviews">All reviews</a></p>`;
}
