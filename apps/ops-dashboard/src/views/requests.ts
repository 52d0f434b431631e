import { describeActor, REQUEST_STATES, TERMINAL_STATES, type AccessRequest, type AuditEvent, type ChainVerification } from '@dbre/domain';
import { html, safeUrl, type SafeHtml } from '../html/html';
import { stateBadge, when } from '../html/layout';
import { describeEvent, revokeReasonWords } from './event-words';
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
  /** Who may approve in the request's environment (policy, groups expanded); undefined without the policy. */
  approvers?: string[] | undefined;
  /** Approve / deny are offered when the dashboard is connected to approval-api. */
  canDecide?: boolean;
  /** A line confirming what the person just did (after a redirect). */
  notice?: string | undefined;
}

function minutes(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  return m < 120 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Ends: the planned end, and for a grant ended early when it really ended. */
function endFacts(r: AccessRequest): SafeHtml {
  if (r.revokedAt && r.endsAt && Date.parse(r.revokedAt) < Date.parse(r.endsAt) - 1000) {
    return html`ended ${when(r.revokedAt)}, ${minutes(Date.parse(r.endsAt) - Date.parse(r.revokedAt))} before the planned end (${when(r.endsAt)}) — ${revokeReasonWords(r.revokeReason)}`;
  }
  if (r.revokedAt) return html`ended ${when(r.revokedAt)} — ${revokeReasonWords(r.revokeReason)}${r.endsAt ? html` <span class="muted">(planned ${when(r.endsAt)})</span>` : ''}`;
  return html`${when(r.endsAt)}${r.endsAt && r.state === 'active' ? html` · <span class="time-left" data-ends-at="${r.endsAt}"></span> left` : ''}`;
}

function decisionForms(view: TimelineView): SafeHtml {
  const r = view.request;
  const extension = r.state === 'active' && r.pendingExtension;
  if (!view.canDecide || (r.state !== 'requested' && !extension)) return html``;
  const what = extension ? 'extension' : 'request';
  return html`<form method="post" action="/requests/${r.id}/approve" class="actions-row" ${r.target.environment === 'prod' ? html`data-confirm="${`Approve ${r.requester.email}'s ${what}: ${r.profile} on ${r.target.clusterId} (production)?`}"` : ''}>
  <input type="hidden" name="csrf" value="${view.csrfToken}">
  <label>Comment (optional)<input type="text" name="comment" maxlength="1000" size="28"></label>
  <button type="submit" class="primary" data-action="approve">Approve ${what}</button>
</form>
<form method="post" action="/requests/${r.id}/deny" class="actions-row">
  <input type="hidden" name="csrf" value="${view.csrfToken}">
  <label>Reason for denying (the requester sees it)<input type="text" name="reason" required minlength="3" maxlength="1000" size="40"></label>
  <button type="submit" class="danger" data-action="deny">Deny ${what}</button>
</form>`;
}

/** Summary, chain status and events; served alone (`?fragment=1`) while the request is still moving. */
export function timelineBlock(view: TimelineView): SafeHtml {
  const r = view.request;
  const final = TERMINAL_STATES.includes(r.state);
  const brokenSeq = view.chain.ok ? undefined : view.chain.brokenAt.seq;
  const approvers = (view.approvers ?? []).filter((a) => a !== r.requester.email && a !== r.requester.slackUserId?.toLowerCase());
  const ext = r.pendingExtension;
  return html`<div id="timeline" data-refresh-url="/requests/${r.id}?fragment=1" data-refresh-ms="3000" ${final ? 'data-final' : ''} data-state="${r.state}">
${view.notice ? html`<div class="notice" role="status" data-notice>${view.notice}</div>` : ''}
${chainBanner(view.chain)}
<div class="card">
<dl class="facts">
  <dt>State</dt><dd>${stateBadge(r.state)}${final ? html` <span class="muted">closed</span>` : ''}${r.revokeReason ? html` <span class="muted">(${revokeReasonWords(r.revokeReason)})</span>` : ''}</dd>
  <dt>Requester</dt><dd>${r.requester.displayName} &lt;${r.requester.email}&gt;</dd>
  <dt>Target</dt><dd>${r.target.clusterId} (${r.target.environment}) · <span class="mono">${r.target.database}</span></dd>
  <dt>Profile</dt><dd>${r.profile} <span class="muted">${r.privileges.join(', ')}</span></dd>
  <dt>Duration</dt><dd>${r.durationMinutes} min${r.extensions.length ? html` <span class="muted">+ ${r.extensions.reduce((n, e) => n + e.minutes, 0)} min extended</span>` : ''}</dd>
  <dt>Reason</dt><dd class="wrap">${r.reason}${r.ticketUrl ? html` · <a href="${safeUrl(r.ticketUrl)}" rel="noopener noreferrer">ticket</a>` : ''}</dd>
  <dt>Approved by</dt><dd>${r.approvals.map((a) => describeActor(a.by)).join(', ') || '–'} <span class="muted">(${r.approvals.length} of ${r.approvalsRequired})</span></dd>
  ${r.state === 'requested'
    ? html`<dt>Waiting for</dt><dd data-pending>${r.approvalsRequired - r.approvals.length} more approval${r.approvalsRequired - r.approvals.length === 1 ? '' : 's'} from ${approvers.length ? approvers.join(', ') : 'an approver of the environment'}, before ${when(r.reviewExpiresAt)} (then it expires)</dd>`
    : ''}
  ${ext
    ? html`<dt>Extension asked</dt><dd data-pending-extension>${ext.minutes} more min by ${describeActor(ext.requestedBy)} ${when(ext.requestedAt)}${ext.reason ? html`: “${ext.reason}”` : ''} — ${ext.approvals.length} of ${r.approvalsRequired} approvals${approvers.length ? html` (approvers: ${approvers.join(', ')})` : ''}</dd>`
    : ''}
  ${r.denial ? html`<dt>Denied</dt><dd>${describeActor(r.denial.by)}: ${r.denial.reason}</dd>` : ''}
  <dt>Requested</dt><dd>${when(r.requestedAt)}</dd>
  <dt>Active</dt><dd>${when(r.activeAt)}</dd>
  <dt>Ends</dt><dd>${endFacts(r)}</dd>
  ${r.failureReason ? html`<dt>Failure</dt><dd class="wrap">${r.failureReason}</dd>` : ''}
  <dt>Resources</dt><dd class="mono wrap">${r.resources.dbUser ?? '–'} ${r.resources.bastionId ? html`· ${r.resources.bastionId}` : ''}</dd>
</dl>
${decisionForms(view)}
${view.canEnd && r.state === 'active'
    ? html`<form method="post" action="/grants/${r.id}/end" data-confirm="End this grant now? Open sessions are killed." class="actions-row">
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
    : html`<ol class="events">${view.events.map(
        (e) => html`<li data-kind="${e.kind}" class="${brokenSeq !== undefined && e.seq >= brokenSeq ? 'broken' : ''}">
  <span class="when">${when(e.at)}</span>
  <span class="what">${e.kind === 'failed' || (brokenSeq !== undefined && e.seq >= brokenSeq) ? html`<span class="badge bad">${brokenSeq !== undefined && e.seq >= brokenSeq ? 'untrusted' : 'failed'}</span> ` : ''}${describeEvent(e, r)} <span class="muted mono hide-narrow" title="${`event #${e.seq}, hash ${e.hash}`}">#${e.seq}</span></span>
</li>`,
      )}</ol>`}
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
