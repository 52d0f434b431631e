import { describeActor, REQUEST_STATES, TERMINAL_STATES, type AccessRequest, type AuditEvent, type ChainVerification } from '@dbre/domain';
import { html, safeUrl, type SafeHtml } from '../html/html';
import { stateBadge, when } from '../html/layout';
import type { RequestList } from '../read/requests-read';

export interface RequestFilterForm {
  state?: string | undefined;
  requester?: string | undefined;
  cluster?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export function requestsPage(form: RequestFilterForm, list: RequestList, notice?: string): SafeHtml {
  const rows = list.items.map(
    (r) => html`<tr>
  <td class="mono"><a href="/requests/${r.id}">${r.id}</a><span class="sub">${when(r.requestedAt)}</span></td>
  <td>${r.requester.displayName}<span class="sub">${r.requester.email}</span></td>
  <td>${r.target.clusterId}<span class="sub">${r.target.environment}</span></td>
  <td class="mono">${r.target.database}</td>
  <td>${r.profile}</td>
  <td class="num">${r.durationMinutes} min</td>
  <td>${stateBadge(r.state)}</td>
  <td class="wrap hide-narrow">${truncate(r.reason, 140)}</td>
</tr>`,
  );
  return html`<form class="filters card" method="get" action="/requests">
  <label>State<select name="state"><option value="">any</option>${REQUEST_STATES.map(
    (s) => html`<option value="${s}" ${form.state === s ? 'selected' : ''}>${s}</option>`,
  )}</select></label>
  <label>Requester e-mail<input type="text" name="requester" value="${form.requester ?? ''}" size="26" autocomplete="off"></label>
  <label>Cluster<input type="text" name="cluster" value="${form.cluster ?? ''}" size="16" autocomplete="off"></label>
  <label>Requested from<input type="date" name="from" value="${form.from ?? ''}"></label>
  <label>to (inclusive)<input type="date" name="to" value="${form.to ?? ''}"></label>
  <button type="submit" class="primary">Filter</button>
  <a href="/requests">reset</a>
</form>
${notice ? html`<div class="banner warn">${notice}</div>` : ''}
${list.truncated ? html`<div class="banner warn">More requests match than are shown (newest ${list.items.length}); narrow the filters.</div>` : ''}
<div class="table-wrap">
${list.items.length === 0
    ? html`<p class="empty">No request matches these filters.</p>`
    : html`<table>
<thead><tr><th>Request</th><th>Requester</th><th>Cluster</th><th>Database</th><th>Profile</th><th class="num">Duration</th><th>State</th><th class="hide-narrow">Reason</th></tr></thead>
<tbody>${rows}</tbody></table>`}
</div>`;
}

export interface TimelineView {
  request: AccessRequest;
  events: AuditEvent[];
  chain: ChainVerification;
  canEnd: boolean;
  csrfToken: string;
}

/** Summary, chain status and events; served alone (`?fragment=1`) while the request is still moving. */
export function timelineBlock(view: TimelineView): SafeHtml {
  const r = view.request;
  const final = TERMINAL_STATES.includes(r.state);
  const brokenSeq = view.chain.ok ? undefined : view.chain.brokenAt.seq;
  return html`<div id="timeline" data-refresh-url="/requests/${r.id}?fragment=1" data-refresh-ms="3000" ${final ? 'data-final' : ''} data-state="${r.state}">
${chainBanner(view.chain)}
<div class="card">
<dl class="facts">
  <dt>State</dt><dd>${stateBadge(r.state)}${final ? html` <span class="muted">closed</span>` : ''}${r.revokeReason ? html` <span class="muted">(${r.revokeReason})</span>` : ''}</dd>
  <dt>Requester</dt><dd>${r.requester.displayName} &lt;${r.requester.email}&gt;</dd>
  <dt>Target</dt><dd>${r.target.clusterId} (${r.target.environment}) · <span class="mono">${r.target.database}</span></dd>
  <dt>Profile</dt><dd>${r.profile} <span class="muted">${r.privileges.join(', ')}</span></dd>
  <dt>Duration</dt><dd>${r.durationMinutes} min</dd>
  <dt>Reason</dt><dd class="wrap">${r.reason}${r.ticketUrl ? html` · <a href="${safeUrl(r.ticketUrl)}" rel="noopener noreferrer">ticket</a>` : ''}</dd>
  <dt>Approved by</dt><dd>${r.approvals.map((a) => describeActor(a.by)).join(', ') || '–'} <span class="muted">(${r.approvals.length} of ${r.approvalsRequired})</span></dd>
  ${r.denial ? html`<dt>Denied</dt><dd>${describeActor(r.denial.by)}: ${r.denial.reason}</dd>` : ''}
  <dt>Requested</dt><dd>${when(r.requestedAt)}</dd>
  <dt>Active</dt><dd>${when(r.activeAt)}</dd>
  <dt>Ends</dt><dd>${when(r.endsAt)}${r.endsAt && r.state === 'active' ? html` · <span class="time-left" data-ends-at="${r.endsAt}"></span> left` : ''}</dd>
  <dt>Revoked</dt><dd>${when(r.revokedAt)}</dd>
  ${r.failureReason ? html`<dt>Failure</dt><dd class="wrap">${r.failureReason}</dd>` : ''}
  <dt>Resources</dt><dd class="mono wrap">${r.resources.dbUser ?? '–'} ${r.resources.bastionId ? html`· ${r.resources.bastionId}` : ''}</dd>
</dl>
${view.canEnd && r.state === 'active'
    ? html`<form method="post" action="/grants/${r.id}/end" data-confirm="End this grant now?" style="margin-top:.8rem">
  <input type="hidden" name="csrf" value="${view.csrfToken}">
  <input type="hidden" name="back" value="request">
  <button type="submit" class="danger" data-action="end-now">End now</button>
</form>`
    : ''}
</div>
<h2>Timeline</h2>
<div class="table-wrap">
${view.events.length === 0
    ? html`<p class="empty">No audit events.</p>`
    : html`<table>
<thead><tr><th class="num">#</th><th>When</th><th>Step</th><th>Who</th><th>Details</th><th class="hide-narrow">Hash</th></tr></thead>
<tbody>${view.events.map(
        (e) => html`<tr data-kind="${e.kind}" class="${brokenSeq === e.seq ? 'broken' : ''}">
  <td class="num">${e.seq}</td>
  <td>${when(e.at)}</td>
  <td>${e.kind === 'failed' || (brokenSeq !== undefined && e.seq >= brokenSeq) ? html`<span class="badge bad">${e.kind}</span>` : html`<span class="badge">${e.kind}</span>`}</td>
  <td class="wrap">${e.actor ?? '–'}</td>
  <td>${Object.keys(e.data).length ? html`<pre class="data">${JSON.stringify(e.data, null, 1)}</pre>` : ''}</td>
  <td class="mono hide-narrow" title="${e.hash}">${e.hash.slice(0, 12)}…</td>
</tr>`,
      )}</tbody></table>`}
</div>
${final ? html`<p class="muted" data-closed>Timeline closed: the request is ${r.state}${r.revokedAt ? html` since ${when(r.revokedAt)}` : ''}.</p>` : ''}
</div>`;
}

function chainBanner(chain: ChainVerification): SafeHtml {
  if (chain.ok) {
    return html`<div class="banner ok" data-chain="ok">Audit chain verified: ${chain.count} event${chain.count === 1 ? '' : 's'}, every hash and link intact (head <span class="mono">${chain.headHash.slice(0, 16)}…</span>).</div>`;
  }
  return html`<div class="banner bad" role="alert" data-chain="broken">AUDIT CHAIN BROKEN at event #${chain.brokenAt.seq}${chain.brokenAt.key ? html` (${chain.brokenAt.key})` : ''}: ${chain.problem}.
Events from #${chain.brokenAt.seq} on cannot be trusted — treat this record as tampered and tell the DBRE team.</div>`;
}

function truncate(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
