import { describeActor, type AccessRequest } from '@dbre/domain';
import { html, type SafeHtml } from '../html/html';
import { stateBadge, when } from '../html/layout';

export interface GrantsView {
  grants: AccessRequest[];
  canEnd: boolean;
  csrfToken: string;
  now: Date;
}

/** The live grants table and its counts; also served alone (`?fragment=1`) for the page's periodic refresh. */
export function grantsTable(view: GrantsView): SafeHtml {
  const active = view.grants.filter((g) => g.state === 'active').length;
  const rows = view.grants.map((g) => {
    const approvers = g.approvals.map((a) => describeActor(a.by)).join(', ');
    const endable = view.canEnd && g.state === 'active';
    // Only an active grant counts down: once ending, its row stops and says so.
    const left =
      g.state === 'active' && g.endsAt
        ? html`<span class="time-left" data-ends-at="${g.endsAt}">${timeLeft(g.endsAt, view.now)}</span>`
        : g.state === 'revoking'
          ? html`<span class="muted">ending now</span>`
          : html`<span class="muted">not started</span>`;
    return html`<tr data-request-id="${g.id}" data-state="${g.state}">
  <td data-label="Who"><a href="/requests/${g.id}">${g.requester.displayName}</a><span class="sub">${g.requester.email}</span></td>
  <td data-label="Cluster">${g.target.clusterId}<span class="sub">${g.target.environment}</span></td>
  <td data-label="Database" class="mono">${g.target.database}</td>
  <td data-label="Profile">${g.profile}<span class="sub hide-narrow">${g.privileges.join(', ')}</span></td>
  <td data-label="Approved by" class="wrap">${approvers || '–'}</td>
  <td data-label="State">${stateBadge(g.state)}</td>
  <td data-label="Ends" class="hide-narrow">${when(g.endsAt)}</td>
  <td data-label="Time left">${left}</td>
  ${view.canEnd
    ? html`<td data-label="">${endable
        ? html`<form method="post" action="/grants/${g.id}/end" data-confirm="${`End ${g.requester.email}'s access to ${g.target.clusterId}/${g.target.database} now? Open sessions are killed.`}">
  <input type="hidden" name="csrf" value="${view.csrfToken}">
  <button type="submit" class="danger" data-action="end-now" aria-label="${`End now: ${g.requester.email} on ${g.target.clusterId}`}">End now</button>
</form>`
        : ''}</td>`
    : ''}
</tr>`;
  });
  return html`<div id="grants" data-refresh-url="/grants?fragment=1" data-refresh-ms="10000">
<p class="muted" data-counts>${active} active of ${view.grants.length} listed.</p>
<div class="table-wrap">
${view.grants.length === 0
    ? html`<p class="empty">No live grants.</p>`
    : html`<table class="cards">
<thead><tr><th>Who</th><th>Cluster</th><th>Database</th><th>Profile</th><th>Approved by</th><th>State</th><th class="hide-narrow">Ends</th><th>Time left</th>${view.canEnd ? html`<th><span class="visually-hidden">Actions</span></th>` : ''}</tr></thead>
<tbody>${rows}</tbody>
</table>`}
</div>
</div>`;
}

export function grantsPage(view: GrantsView, notice?: string): SafeHtml {
  return html`${notice ? html`<div class="notice" role="status" data-notice>${notice}</div>` : ''}<p class="muted">Grants that hold or are about to hold database access. Time left counts down live; the list and its counts refresh every 10 s.</p>
${grantsTable(view)}`;
}

/** Server-side text, replaced every second by the page script. */
function timeLeft(endsAt: string, now: Date): string {
  const ms = Date.parse(endsAt) - now.getTime();
  const m = Math.floor(Math.abs(ms) / 60_000);
  return ms >= 0 ? `${m} min` : `ended ${m} min ago`;
}
