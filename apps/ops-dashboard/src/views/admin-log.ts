import type { AuditEvent, ChainVerification } from '@dbre/domain';
import { html, type SafeHtml } from '../html/html';
import { when } from '../html/layout';

export function adminLogPage(day: string, events: AuditEvent[], chain: ChainVerification): SafeHtml {
  return html`<form class="filters card" method="get" action="/admin-log"><label>Day (UTC)<input type="date" name="day" value="${day}"></label><button class="primary">Show</button></form>
${chain.ok
    ? html`<div class="banner ok" data-chain="ok">Chain verified: ${chain.count} event(s).</div>`
    : html`<div class="banner bad" role="alert" data-chain="broken">AUDIT CHAIN BROKEN at event #${chain.brokenAt.seq}: ${chain.problem}.</div>`}
<p class="muted">Queue changes made from the admin board. Grant actions are in each request's own timeline.</p>
<div class="table-wrap">${events.length === 0
    ? html`<p class="empty">No admin action on ${day}.</p>`
    : html`<table><thead><tr><th class="num">#</th><th>When</th><th>Who</th><th>Action</th></tr></thead><tbody>${events.map(
        (e) => html`<tr><td class="num">${e.seq}</td><td>${when(e.at)}</td><td>${e.actor ?? '–'}</td><td><pre class="data">${JSON.stringify(e.data, null, 1)}</pre></td></tr>`,
      )}</tbody></table>`}</div>`;
}
