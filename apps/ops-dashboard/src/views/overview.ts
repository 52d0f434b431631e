import { ENVIRONMENTS } from '@dbre/domain';
import { html, raw, type SafeHtml } from '../html/html';
import { durationText, when } from '../html/layout';
import type { Overview, Point } from '../overview/overview-read';

/** Chart data for the page script: uPlot's columns (x in seconds) and the series names. */
interface ChartData {
  unit: string;
  series: string[];
  columns: number[][];
  /** The window shown (seconds), the same for every chart: last `hours` up to now. */
  range?: [number, number];
}

/** JSON inside a `<script type="application/json">`: `<` is escaped so no data can close the element. */
function jsonBlock(data: ChartData): SafeHtml {
  return raw(`<script type="application/json">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`);
}

function pointsChart(points: Point[], name: string): ChartData {
  return { unit: 's', series: [name], columns: [points.map((p) => p.at / 1000), points.map((p) => Math.round(p.seconds * 1000) / 1000)] };
}

function chart(id: string, title: string, data: ChartData, empty: string, table: SafeHtml, range: [number, number]): SafeHtml {
  data = { ...data, range };
  const hasData = (data.columns[0]?.length ?? 0) > 0;
  return html`<section class="card chart-card" aria-labelledby="${id}-title">
<h2 id="${id}-title">${title}</h2>
${hasData ? html`<div class="chart" id="${id}" data-chart role="img" aria-label="${`${title}: ${data.columns[0]?.length ?? 0} points`}">${jsonBlock(data)}</div>` : html`<p class="empty">${empty}</p>`}
${hasData ? html`<details><summary>Figures</summary>${table}</details>` : ''}
</section>`;
}

function pointsTable(points: Point[]): SafeHtml {
  const last = points.slice(-20).reverse();
  return html`<table><thead><tr><th>When</th><th>Request</th><th class="num">Seconds</th></tr></thead><tbody>${last.map(
    (p) => html`<tr><td>${when(new Date(p.at).toISOString())}</td><td class="mono"><a href="/requests/${p.requestId}">${p.requestId}</a></td><td class="num">${p.seconds.toFixed(2)}</td></tr>`,
  )}</tbody></table>`;
}

function quantile(values: number[], q: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function overviewPage(o: Overview): SafeHtml {
  const now = o.now.getTime();
  const oldest = o.waiting[0];
  const failedTotal = o.failedJobs.reduce((n, q) => n + q.failed, 0);
  const queues = [...new Set(o.queueDepth.flatMap((s) => Object.keys(s.depth)))].sort();
  const depth: ChartData = { unit: 'jobs', series: queues, columns: [o.queueDepth.map((s) => s.at / 1000), ...queues.map((q) => o.queueDepth.map((s) => s.depth[q] ?? 0))] };
  const p90 = (points: Point[]) => quantile(points.map((p) => p.seconds * 1000), 0.9);
  const sweepAge = o.lastSweep ? now - o.lastSweep.at : undefined;
  const range: [number, number] = [Math.floor((now - o.hours * 3600_000) / 1000), Math.ceil(now / 1000)];
  return html`<div class="stats">
  <a class="card stat" href="/grants"><span class="label">Active grants</span><span class="n">${ENVIRONMENTS.reduce((n, e) => n + o.activeByEnvironment[e], 0)}</span>
    <span class="sub">${ENVIRONMENTS.map((e) => `${e} ${o.activeByEnvironment[e]}`).join(' · ')}</span></a>
  <a class="card stat ${o.waiting.length ? 'attn' : ''}" href="/requests?state=requested"><span class="label">Waiting for approval</span><span class="n">${o.waiting.length}</span>
    <span class="sub">${oldest ? `oldest waiting ${durationText(now - Date.parse(oldest.requestedAt))}` : 'none'}</span></a>
  <div class="card stat ${o.overdue.length ? 'alarm' : ''}"><span class="label">Overdue grants</span><span class="n">${o.overdue.length}</span>
    <span class="sub">${o.overdue.length ? 'still holding access past their end' : 'none past their end'}</span></div>
  <div class="card stat ${sweepAge === undefined || sweepAge > 180_000 ? 'attn' : ''}"><span class="label">Last sweep</span><span class="n">${sweepAge === undefined ? '–' : `${durationText(sweepAge)} ago`}</span>
    <span class="sub">${o.lastSweep ? Object.entries(o.lastSweep.findings).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(' · ') || 'found nothing to fix' : 'none in the queue history'}</span></div>
  <a class="card stat ${failedTotal ? 'alarm' : ''}" href="/queues"><span class="label">Failed jobs</span><span class="n">${failedTotal}</span>
    <span class="sub">${o.failedJobs.filter((q) => q.failed > 0).map((q) => `${q.queue} ${q.failed}`).join(' · ') || 'no queue has failed jobs'}</span></a>
</div>
${o.overdue.length
    ? html`<div class="banner bad" role="alert">${o.overdue.length} grant${o.overdue.length === 1 ? '' : 's'} still hold${o.overdue.length === 1 ? 's' : ''} database access past the end: ${o.overdue.map((g, i) => html`${i ? ', ' : ''}<a href="/requests/${g.id}">${g.requester.email} on ${g.target.clusterId}</a>`)}. Check the reaper.</div>`
    : ''}
<div class="charts">
${chart('chart-depth', `Queue depth (waiting + running), last ${o.hours} h`, depth, 'No samples yet: the dashboard samples the queues every minute after it starts.', html`<table><thead><tr><th>When</th>${queues.map((q) => html`<th class="num">${q}</th>`)}</tr></thead><tbody>${o.queueDepth.slice(-10).reverse().map((s) => html`<tr><td>${when(new Date(s.at).toISOString())}</td>${queues.map((q) => html`<td class="num">${s.depth[q] ?? 0}</td>`)}</tr>`)}</tbody></table>`, range)}
${chart('chart-provisioning', `Provisioning latency (approval → active), last ${o.hours} h${o.provisioningLatency.length ? ` · p90 ${durationText(p90(o.provisioningLatency))}` : ''}`, pointsChart(o.provisioningLatency, 'latency'), `No grant became active in the last ${o.hours} h.`, pointsTable(o.provisioningLatency), range)}
${chart('chart-revoke', `Revoke lag (end → revoked), last ${o.hours} h${o.revokeLag.length ? ` · p90 ${durationText(p90(o.revokeLag))}` : ''}`, pointsChart(o.revokeLag, 'lag'), `No grant ran to its end in the last ${o.hours} h.`, pointsTable(o.revokeLag), range)}
</div>
<h2>Waiting for approval</h2>
<div class="table-wrap">
${o.waiting.length === 0
    ? html`<p class="empty">Nothing is waiting for a decision.</p>`
    : html`<table class="cards"><thead><tr><th>Requester</th><th>Target</th><th>Waiting</th><th>Expires</th></tr></thead><tbody>${o.waiting.map(
        (r) => html`<tr><td data-label="Requester"><a href="/requests/${r.id}">${r.requester.displayName}</a><span class="sub">${r.requester.email}</span></td>
<td data-label="Target">${r.target.clusterId} (${r.target.environment}) · <span class="mono">${r.target.database}</span> · ${r.profile}</td>
<td data-label="Waiting">${durationText(now - Date.parse(r.requestedAt))}</td>
<td data-label="Expires">${when(r.reviewExpiresAt)}</td></tr>`,
      )}</tbody></table>`}
</div>`;
}
