import { describeActor, type AccessRequest } from '@dbre/domain';
import { html, type SafeHtml } from '../html/html';
import { stateBadge, when } from '../html/layout';

export interface GrantsView {
  grants: AccessRequest[];
  canEnd: boolean;
  csrfToken: string;
  now: Date;
}

/** The live grants table; also served alone (`?fragment=1`) for the page's periodic refresh. */
export function grantsTable(view: GrantsView): SafeHtml {
  const rows = view.grants.map((g) => {
    const approvers = g.approvals.map((a) => describeActor(a.by)).join(', ');
    const endable = view.canEnd && g.state === 'active';
    return html`<tr data-request-id="${g.id}">
  <td><a href="/requests/${g.id}">${g.requester.displayName}</a><span class="sub">${g.requester.email}</span></td>
  <td>${g.target.clusterId}<span class="sub">${g.target.environment}</span></td>
  <td class="mono">${g.target.database}</td>
  <td>${g.profile}<span class="sub hide-narrow">${g.privileges.join(', ')}</span></td>
  <td class="wrap">${approvers || '–'}</td>
  <td>${stateBadge(g.state)}</td>
  <td class="hide-narrow">${when(g.endsAt)}</td>
  <td>${g.endsAt ? html`<span class="time-left" data-ends-at="${g.endsAt}">${timeLeft(g.endsAt, view.now)}</span>` : html`<span class="muted">not started</span>`}</td>
  ${view.canEnd
    ? html`<td>${endable
        ? html`<form method="post" action="/grants/${g.id}/end" data-confirm="${`End ${g.requester.email}'s access to ${g.target.clusterId}/${g.target.database} now?`}">
  <input type="hidden" name="csrf" value="${view.csrfToken}">
  <button type="submit" class="danger" data-action="end-now">End now</button>
</form>`
        : ''}</td>`
    : ''}
</tr>`;
  });
  return html`<div class="table-wrap" id="grants" data-refresh-url="/grants?fragment=1" data-refresh-ms="10000">
${view.grants.length === 0
    ? html`<p class="empty">No live grants.</p>`
    : html`<table>
<thead><tr><th>Who</th><th>Cluster</th><th>Database</th><th>Profile</th><th>Approved by</th><th>State</th><th class="hide-narrow">Ends</th><th>Time left</th>${view.canEnd ? html`<th></th>` : ''}</tr></thead>
<tbody>${rows}</tbody>
</table>`}
</div>`;
}

export function grantsPage(view: GrantsView): SafeHtml {
  const active = view.grants.filter((g) => g.state === 'active').length;
  return html`<p class="muted">Grants that hold or are about to hold database access. Time left counts down live; the list refreshes every 10 s.
${active} active of ${view.grants.length} listed.</p>
${grantsTable(view)}`;
}

/** Server-side text, replaced every second by the page script. */
function timeLeft(endsAt: string, now: Date): string {
  const ms = Date.parse(endsAt) - now.getTime();
  const m = Math.floor(Math.abs(ms) / 60_000);
  return ms >= 0 ? `${m} min` : `ended ${m} min ago`;
}
