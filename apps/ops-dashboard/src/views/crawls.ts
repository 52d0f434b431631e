import type { ClusterCrawlRecord } from '@dbre/docs';
import { html, safeUrl, type SafeHtml } from '../html/html';
import { durationText, when } from '../html/layout';
import type { ClusterCrawls } from '../read/crawls-read';

/** Run ids start with the run's start time, `20261125T091500123Z-ab12cd`; back to ISO for display. */
export function startedOf(c: Pick<ClusterCrawlRecord, 'runId'>): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(c.runId);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : c.runId;
}

function resultCell(c: ClusterCrawlRecord): SafeHtml {
  const cls = c.status === 'failed' ? 'bad' : c.status === 'running' ? 'warn' : 'ok';
  return html`<span class="badge ${cls}">${c.status}</span>${c.status === 'ok' ? html` <span class="muted">${c.changed ? `${c.changes ?? ''} change(s)` : 'no change'}${c.tables !== undefined ? ` · ${c.tables} tables` : ''}</span>` : ''}${c.error ? html`<span class="sub wrap">${c.code ? `${c.code}: ` : ''}${c.error}</span>` : ''}`;
}

function docsLinks(clusterId: string, base: string | undefined): SafeHtml {
  if (!base) return html`<span class="muted">–</span>`;
  const root = `${base.replace(/\/+$/, '')}/${encodeURIComponent(clusterId)}`;
  return html`<a href="${safeUrl(`${root}/README.md`)}" rel="noopener noreferrer">docs</a> · <a href="${safeUrl(`${root}/CHANGELOG.md`)}" rel="noopener noreferrer">changelog</a>`;
}

export function crawlsPage(clusters: ClusterCrawls[], docsBaseUrl: string | undefined): SafeHtml {
  if (clusters.length === 0) return html`<p class="empty card">No doc crawl has been recorded yet.</p>`;
  return html`<div class="table-wrap"><table>
<thead><tr><th>Cluster</th><th>Last run</th><th class="num">Duration</th><th>Result</th><th>Latest changelog entries</th><th>Docs</th></tr></thead>
<tbody>${clusters.map(
    ({ clusterId, last, previous, changelog }) => html`<tr data-cluster="${clusterId}">
  <td>${clusterId}</td>
  <td>${last ? when(startedOf(last)) : '–'}${last?.finishedAt ? html`<span class="sub">finished ${when(last.finishedAt)}</span>` : ''}</td>
  <td class="num">${last ? durationText(last.durationMs) : '–'}</td>
  <td>${last ? resultCell(last) : '–'}${previous ? html`<span class="sub">previous: ${previous.status} ${when(startedOf(previous))}</span>` : ''}</td>
  <td class="wrap">${changelog.length === 0
    ? html`<span class="muted">none published</span>`
    : changelog.map(
        (e) => html`<div class="changelog"><strong>${e.heading}</strong><ul style="margin:.1rem 0 .4rem;padding-left:1.1rem">${e.lines.slice(0, 6).map((l) => (l.startsWith('#') ? html`<li class="muted"><em>${l.replace(/^#+\s*/, '')}</em></li>` : html`<li>${l.replace(/^[-*]\s+/, '')}</li>`))}${e.lines.length > 6 ? html`<li class="muted">… ${e.lines.length - 6} more</li>` : ''}</ul></div>`,
      )}</td>
  <td>${docsLinks(clusterId, docsBaseUrl)}</td>
</tr>`,
  )}</tbody></table></div>`;
}
