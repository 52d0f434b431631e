import { html, type SafeHtml } from '../html/html';
import { when } from '../html/layout';
import type { StoredReview } from '../read/reviews-read';

export function reviewsPage(data: { available: boolean; items: StoredReview[] }): SafeHtml {
  if (!data.available) return html`<p class="empty card">Schema reviews are not stored here (the reviews table does not exist).</p>`;
  if (data.items.length === 0) return html`<p class="empty card">No schema review has been stored yet.</p>`;
  return html`<div class="table-wrap"><table>
<thead><tr><th>When</th><th>Review</th><th>Verdict</th><th>Findings</th></tr></thead>
<tbody>${data.items.map((r) => {
    const findings = r.findings ?? [];
    return html`<tr>
  <td>${when(r.createdAt ?? r.at)}</td>
  <td class="wrap">${r.title ?? r.id}<span class="sub">${[r.source, r.author].filter(Boolean).join(' · ')}</span></td>
  <td>${r.verdict ? html`<span class="badge ${/fail|block|error|reject/i.test(r.verdict) ? 'bad' : /warn/i.test(r.verdict) ? 'warn' : 'ok'}">${r.verdict}</span>` : '–'}</td>
  <td class="wrap">${findings.length === 0
    ? html`<span class="muted">none</span>`
    : html`<ul style="margin:0;padding-left:1.1rem">${findings.slice(0, 10).map(
        (f) => html`<li>${f.severity ?? f.level ? html`<span class="badge ${/err|high|crit|block/i.test(f.severity ?? f.level ?? '') ? 'bad' : 'warn'}">${f.severity ?? f.level}</span> ` : ''}<span class="mono">${f.ruleId ?? f.rule ?? ''}</span> ${f.message ?? ''}${f.line ? html` <span class="muted">(line ${f.line})</span>` : ''}</li>`,
      )}${findings.length > 10 ? html`<li class="muted">… ${findings.length - 10} more</li>` : ''}</ul>`}</td>
</tr>`;
  })}</tbody></table></div>`;
}
