import { html, safeUrl, type SafeHtml } from '../html/html';
import { durationText, when } from '../html/layout';
import type { ClusterCrawls, CrawlRun } from '../read/crawls-read';

const result = (run: CrawlRun): string => run.result ?? run.status ?? (run.error ? 'failed' : run.finishedAt ? 'done' : 'running');
const duration = (run: CrawlRun): number | undefined =>
  run.durationMs ?? (run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : undefined);

function resultBadge(run: CrawlRun): SafeHtml {
  const r = result(run);
  const cls = /fail|error/i.test(r) ? 'bad' : /run|start|partial/i.test(r) ? 'warn' : 'ok';
  return html`<span class="badge ${cls}">${r}</span>`;
}

function docsLink(clusterId: string, run: CrawlRun | undefined, base: string | undefined): SafeHtml {
  const url = run?.docsUrl ?? (base ? `${base.replace(/\/$/, '')}/${encodeURIComponent(clusterId)}/` : undefined);
  return url ? html`<a href="${safeUrl(url)}" rel="noopener noreferrer">docs</a>` : html`<span class="muted">–</span>`;
}

export function crawlsPage(clusters: ClusterCrawls[], docsBaseUrl: string | undefined): SafeHtml {
  if (clusters.length === 0) return html`<p class="empty card">No doc crawl has been recorded yet.</p>`;
  return html`<div class="table-wrap"><table>
<thead><tr><th>Cluster</th><th>Last run</th><th class="num">Duration</th><th>Result</th><th>Latest changes</th><th>Docs</th></tr></thead>
<tbody>${clusters.map(({ clusterId, last, recent }) => {
    const changes = recent.flatMap((run) => (run.changelog ?? run.changes ?? []).map((c) => ({ run, c }))).slice(0, 8);
    return html`<tr data-cluster="${clusterId}">
  <td>${clusterId}</td>
  <td>${last ? when(last.startedAt) : '–'}</td>
  <td class="num">${last ? durationText(duration(last)) : '–'}</td>
  <td>${last ? resultBadge(last) : '–'}${last?.error ? html`<span class="sub wrap">${last.error}</span>` : ''}</td>
  <td class="wrap">${changes.length === 0
    ? html`<span class="muted">no change recorded</span>`
    : html`<ul style="margin:0;padding-left:1.1rem">${changes.map(
        ({ run, c }) => html`<li><span class="muted">${when(run.startedAt).slice(0, 10)}</span> ${c.kind ? html`<span class="badge">${c.kind}</span> ` : ''}${c.object ?? c.table ?? c.path ?? ''}${c.summary ? html` — ${c.summary}` : ''}</li>`,
      )}</ul>`}</td>
  <td>${docsLink(clusterId, last, docsBaseUrl)}</td>
</tr>`;
  })}</tbody></table></div>`;
}
