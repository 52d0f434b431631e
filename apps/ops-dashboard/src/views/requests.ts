import { describeActor, REQUEST_STATES, TERMINAL_STATES, type AccessRequest, type AuditEvent, type ChainVerification } from '@dbre/domain';
import { ACCESS_JOB_IDS } from '@dbre/queue';
import { html, query, safeUrl, type SafeHtml } from '../html/html';
import { stateBadge, when } from '../html/layout';
import { describeEvent, revokeReasonWords } from './event-words';
import type { RequestList } from '../read/requests-read';

export interface RequestFilterForm {
  state?: string | undefined;
  requester?: string | undefined;
  cluster?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  sort?: RequestSort | undefined;
  page?: number | undefined;
}

export const REQUEST_SORTS = ['newest', 'oldest', 'requester', 'cluster', 'state'] as const;
export type RequestSort = (typeof REQUEST_SORTS)[number];
const SORT_LABEL: Record<RequestSort, string> = { newest: 'newest first', oldest: 'oldest first', requester: 'requester A–Z', cluster: 'cluster A–Z', state: 'state' };

export function sortRequests(items: AccessRequest[], sort: RequestSort): AccessRequest[] {
  const by: Record<RequestSort, (a: AccessRequest, b: AccessRequest) => number> = {
    newest: (a, b) => b.id.localeCompare(a.id),
    oldest: (a, b) => a.id.localeCompare(b.id),
    requester: (a, b) => a.requester.email.localeCompare(b.requester.email) || b.id.localeCompare(a.id),
    cluster: (a, b) => a.target.clusterId.localeCompare(b.target.clusterId) || b.id.localeCompare(a.id),
    state: (a, b) => REQUEST_STATES.indexOf(a.state) - REQUEST_STATES.indexOf(b.state) || b.id.localeCompare(a.id),
  };
  return [...items].sort(by[sort]);
}

export interface RequestPaging {
  page: number;
  pageSize: number;
  /** No filter was given: the list is the last 7 days. */
  defaultWindow: boolean;
  /** At most this many matches are read. */
  max: number;
}

/** What the list shows, said plainly: which filters, how many matched, what is left out. */
function filterBanner(form: RequestFilterForm, total: number, truncated: boolean, paging: RequestPaging): SafeHtml {
  const parts: string[] = [];
  if (form.state) parts.push(`state ${form.state}`);
  if (form.requester) parts.push(/@.+\./.test(form.requester) ? `requester ${form.requester}` : `requester containing “${form.requester}”`);
  if (form.cluster) parts.push(`cluster starting with “${form.cluster}”`);
  if (form.from || form.to) parts.push(`requested ${form.from ? `from ${form.from}` : ''}${form.from && form.to ? ' ' : ''}${form.to ? `to ${form.to} (inclusive)` : ''}`);
  const scope = paging.defaultWindow ? 'requested in the last 7 days (no filter set)' : parts.join(', ');
  const first = total === 0 ? 0 : (paging.page - 1) * paging.pageSize + 1;
  const last = Math.min(total, paging.page * paging.pageSize);
  return html`<div class="banner ${truncated ? 'warn' : 'info'}" data-filter-banner role="status">${total === 0 ? 'No request' : html`Requests ${first}–${last} of ${total}${truncated ? '+' : ''}`} ${scope ? `— ${scope}` : ''}, ${SORT_LABEL[form.sort ?? 'newest']}.${truncated
    ? html` <strong>Not every match is listed</strong>: the search stopped after ${paging.max} matches or its read limit; narrow the dates or the filters.`
    : ''}</div>`;
}

function pageLink(form: RequestFilterForm, page: number, label: string): SafeHtml {
  return html`<a href="/requests${query({ state: form.state, requester: form.requester, cluster: form.cluster, from: form.from, to: form.to, sort: form.sort, page })}">${label}</a>`;
}

export function requestsPage(form: RequestFilterForm, list: RequestList, paging: RequestPaging): SafeHtml {
  const total = list.items.length;
  const pages = Math.max(1, Math.ceil(total / paging.pageSize));
  const page = Math.min(paging.page, pages);
  const shown = list.items.slice((page - 1) * paging.pageSize, page * paging.pageSize);
  const rows = shown.map(
    (r) => html`<tr>
  <td data-label="Request" class="mono"><a href="/requests/${r.id}">${r.id}</a><span class="sub">${when(r.requestedAt)}</span></td>
  <td data-label="Requester">${r.requester.displayName}<span class="sub">${r.requester.email}</span></td>
  <td data-label="Cluster">${r.target.clusterId}<span class="sub">${r.target.environment}</span></td>
  <td data-label="Database" class="mono">${r.target.database}</td>
  <td data-label="Profile">${r.profile}</td>
  <td data-label="Duration" class="num">${r.durationMinutes} min</td>
  <td data-label="State">${stateBadge(r.state)}</td>
  <td data-label="Reason" class="wrap hide-narrow">${truncate(r.reason, 140)}</td>
</tr>`,
  );
  return html`<form class="filters card" method="get" action="/requests">
  <label>State<select name="state"><option value="">any</option>${REQUEST_STATES.map(
    (s) => html`<option value="${s}" ${form.state === s ? 'selected' : ''}>${s}</option>`,
  )}</select></label>
  <label>Requester (e-mail or part of a name)<input type="search" name="requester" value="${form.requester ?? ''}" size="26" autocomplete="off"></label>
  <label>Cluster (prefix)<input type="search" name="cluster" value="${form.cluster ?? ''}" size="14" autocomplete="off"></label>
  <label>Requested from<input type="date" name="from" value="${form.from ?? ''}"></label>
  <label>to (inclusive)<input type="date" name="to" value="${form.to ?? ''}"></label>
  <label>Sort<select name="sort">${REQUEST_SORTS.map((s) => html`<option value="${s}" ${(form.sort ?? 'newest') === s ? 'selected' : ''}>${SORT_LABEL[s]}</option>`)}</select></label>
  <button type="submit" class="primary">Search</button>
  <a href="/requests">reset</a>
</form>
${filterBanner({ ...form, page }, total, list.truncated, { ...paging, page })}
<div class="table-wrap">
${shown.length === 0
    ? html`<p class="empty">No request matches these filters.</p>`
    : html`<table class="cards">
<thead><tr><th>Request</th><th>Requester</th><th>Cluster</th><th>Database</th><th>Profile</th><th class="num">Duration</th><th>State</th><th class="hide-narrow">Reason</th></tr></thead>
<tbody>${rows}</tbody></table>`}
</div>
${pages > 1
    ? html`<nav class="pager" aria-label="Pages">${page > 1 ? pageLink(form, page - 1, '← Newer page') : ''}<span>Page ${page} of ${pages}</span>${page < pages ? pageLink(form, page + 1, 'Next page →') : ''}</nav>`
    : ''}`;
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

/** The request's queue jobs (deterministic ids) on the read-only board. */
function jobLinks(r: AccessRequest): SafeHtml {
  const jobs: Array<[string, string]> = [['provision', ACCESS_JOB_IDS.provision(r.id)]];
  if (r.endsAt) jobs.push(['warn', ACCESS_JOB_IDS.warn(r.id, r.endsAt)], ['revoke', ACCESS_JOB_IDS.revoke(r.id)]);
  return html`${jobs.map(([queue, id], i) => html`${i ? ' · ' : ''}<a href="/queues/queue/${queue}/${encodeURIComponent(id)}">${queue}</a>`)} <span class="muted">(finished jobs are kept for a while, then removed)</span>`;
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
  // Who can still approve: never the requester, nor someone who already approved.
  const decided = new Set((r.pendingExtension && r.state === 'active' ? r.pendingExtension.approvals : r.approvals).flatMap((a) => [a.by.email, a.by.slackUserId?.toLowerCase()]));
  const approvers = (view.approvers ?? []).filter((a) => a !== r.requester.email && a !== r.requester.slackUserId?.toLowerCase() && !decided.has(a));
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
  <dt>Duration</dt><dd>${r.approvedMinutes !== undefined ? html`<span data-approved-minutes>${r.approvedMinutes} of the ${r.durationMinutes} min asked (shortened by an approver)</span>` : html`${r.durationMinutes} min`}${r.extensions.length ? html` <span class="muted">+ ${r.extensions.reduce((n, e) => n + e.minutes, 0)} min extended</span>` : ''}</dd>
  <dt>Reason</dt><dd class="wrap">${r.reason}${r.ticketUrl ? html` · <a href="${safeUrl(r.ticketUrl)}" rel="noopener noreferrer">ticket</a>` : ''}</dd>
  <dt>Approved by</dt><dd>${r.approvals.map((a) => describeActor(a.by)).join(', ') || '–'} <span class="muted">(${r.approvals.length} of ${r.approvalsRequired})</span></dd>
  ${r.state === 'requested'
    ? html`<dt>Waiting for</dt><dd data-pending>${r.approvalsRequired - r.approvals.length} more approval${r.approvalsRequired - r.approvals.length === 1 ? '' : 's'} from ${approvers.length ? approvers.join(', ') : 'an approver of the environment'}, before ${when(r.reviewExpiresAt)} (then it expires)</dd>`
    : ''}
  ${ext
    ? html`<dt>Extension asked</dt><dd data-pending-extension>${ext.minutes} more min by ${describeActor(ext.requestedBy)} ${when(ext.requestedAt)}${ext.reason ? html`: “${ext.reason}”` : ''} — ${ext.approvals.length} of ${r.approvalsRequired} approvals${approvers.length ? html` (approvers: ${approvers.join(', ')})` : ''}</dd>`
    : ''}
  ${r.denial ? html`<dt>Denied</dt><dd>${describeActor(r.denial.by)}: ${r.denial.reason}</dd>` : ''}
  ${r.startAt ? html`<dt>Starts</dt><dd data-start-at>${when(r.startAt)} (scheduled)</dd>` : ''}
  <dt>Requested</dt><dd>${when(r.requestedAt)}</dd>
  <dt>Active</dt><dd>${when(r.activeAt)}</dd>
  <dt>Ends</dt><dd>${endFacts(r)}</dd>
  ${r.failureReason ? html`<dt>Failure</dt><dd class="wrap">${r.failureReason}</dd>` : ''}
  <dt>Resources</dt><dd class="mono wrap">${r.resources.dbUser ?? '–'} ${r.resources.bastionId ? html`· ${r.resources.bastionId}` : ''}</dd>
  <dt>Jobs</dt><dd data-jobs>${jobLinks(r)}</dd>
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
