import type { AuditRecord } from '@dbre/drivers';
import type { EvidenceLabel } from '@dbre/evidence';
import { html, type SafeHtml } from '../html/html';
import { when } from '../html/layout';
import { recordPage, type RequestEvidence, type SealedBundle } from '../read/evidence-read';

export interface EvidenceView {
  requestId: string;
  evidence: RequestEvidence;
  /** The bundle whose records are listed (default: the newest verified one). */
  bundle?: EvidenceLabel | undefined;
  page: number;
  canDownload: boolean;
  csrfToken: string;
  /** The request is still live: its evidence is collected at revoke. */
  live: boolean;
}

export const EVIDENCE_PAGE_SIZE = 50;

// Bidi overrides/isolates/marks and other invisible controls would reorder or hide logged text:
// each is shown as its code point instead (the download keeps the exact bytes).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Logged text as inert, visible characters: escaped, every control or bidi character named. */
export function inertText(text: string): SafeHtml {
  const parts: SafeHtml[] = [];
  let last = 0;
  for (const m of text.matchAll(CONTROLS)) {
    const at = m.index;
    const code = `U+${(m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    parts.push(html`${text.slice(last, at)}<span class="ctl" title="invisible character ${code}">⟨${code}⟩</span>`);
    last = at + m[0].length;
  }
  parts.push(html`${text.slice(last)}`);
  return html`<bdi dir="ltr">${parts}</bdi>`;
}

const STATUS_WORDS: Record<SealedBundle['status'], string> = { verified: 'verified', missing: 'MISSING', tampered: 'TAMPERED' };

function chainStatus(evidence: RequestEvidence): SafeHtml {
  const c = evidence.chain;
  if (c.ok) return html`<p class="banner ok" data-chain-complete="complete">Chain complete: ${c.count} events, starting with <b>requested</b>, every step of its path present, every link intact.</p>`;
  if ('incomplete' in c) {
    return html`<div class="banner bad" role="alert" data-chain-complete="incomplete">CHAIN INCOMPLETE: missing ${c.incomplete.missing.join(', ')}. ${c.problem}. The record cannot prove what happened: tell the DBRE team.</div>`;
  }
  return html`<div class="banner bad" role="alert" data-chain-complete="broken">CHAIN BROKEN at event #${c.brokenAt.seq}: ${c.problem}.</div>`;
}

function anchorLine(evidence: RequestEvidence): SafeHtml {
  if (evidence.anchorError) return html`<p class="banner warn" data-anchor="error">The anchors could not be read: ${evidence.anchorError}</p>`;
  const a = evidence.anchor;
  if (!a) return html`<p class="muted" data-anchor="none">No anchor manifest covers this request yet (anchors are written by the sweep).</p>`;
  if (!a.matches) {
    return html`<div class="banner bad" role="alert" data-anchor="mismatch">HISTORY REWRITTEN: anchor <span class="mono">${a.key}</span> (${when(a.createdAt)}) holds event #${a.anchored.seq} with hash <span class="mono wrap">${a.anchored.hash}</span>; the stored chain no longer has it.</div>`;
  }
  return html`<p data-anchor="ok">Last anchor: <span class="mono">${a.key}</span> (manifest ${a.sequence}, ${when(a.createdAt)}) holds head #${a.anchored.seq} <span class="mono" title="${a.anchored.hash}">${a.anchored.hash.slice(0, 16)}…</span>, which the chain still has${a.unanchored ? html`; ${a.unanchored} later event${a.unanchored === 1 ? '' : 's'} not anchored yet` : ''}.</p>`;
}

function bundleCard(b: SealedBundle, view: EvidenceView): SafeHtml {
  const d = b.document;
  const audit = d?.clusterAuditLogging;
  const warnings = [...(d?.database?.warnings ?? b.warnings)];
  if (audit && !audit.enabled) warnings.unshift(`audit logging was off on the cluster when the docs were last crawled${audit.detail ? ` (${audit.detail})` : ''}`);
  return html`<div class="card evidence-bundle" data-bundle="${b.label}" data-status="${b.status}">
${b.status === 'tampered'
    ? html`<div class="banner bad" role="alert" data-tampered>EVIDENCE TAMPERED — the ${b.label} bundle does not match its seal: ${b.problem ?? ''}. Do not trust its content; keep the stored object and tell the security team.</div>`
    : b.status === 'missing'
      ? html`<div class="banner bad" role="alert" data-missing>EVIDENCE MISSING — ${b.problem ?? ''}.</div>`
      : ''}
<dl class="facts">
  <dt>Bundle</dt><dd><b>${b.label}</b> <span class="badge ${b.status === 'verified' ? 'ok' : 'bad'}">${STATUS_WORDS[b.status]}</span></dd>
  <dt>SHA-256</dt><dd class="mono wrap" data-sha256>${b.sha256}</dd>
  <dt>Sealed</dt><dd>${when(b.sealedAt)} <span class="muted">(event #${b.seq})</span></dd>
  <dt>Records</dt><dd>${d?.database ? html`${d.database.counts.statements} statements (${d.database.counts.failedStatements} failed), ${d.database.counts.connects} connects, ${d.database.counts.disconnects} disconnects, ${d.database.counts.failedConnects} refused logins` : html`${b.statements} statements of ${b.records} records`}</dd>
  <dt>Source</dt><dd class="mono wrap">${d?.database?.source ?? b.source ?? 'none (the grant never had a database user)'}</dd>
  ${d?.database ? html`<dt>Window</dt><dd>${when(d.database.from)} – ${when(d.database.to)} · user <span class="mono">${d.database.user}</span></dd>` : ''}
  ${d?.bastionSessions ? html`<dt>Bastion sessions</dt><dd>${d.bastionSessions.length}</dd>` : ''}
  <dt>Warnings</dt><dd data-warnings>${warnings.length ? html`<ul class="warnings">${warnings.map((w) => html`<li class="warn-text">${inertText(w)}</li>`)}</ul>` : html`<span class="muted">none</span>`}</dd>
</dl>
${view.canDownload
    ? html`<form method="post" action="/requests/${view.requestId}/evidence/${b.label}/download" class="actions-row">
  <input type="hidden" name="csrf" value="${view.csrfToken}">
  <button type="submit" data-action="download-evidence">Download the ${b.label} bundle${b.bytes ? html` (${Math.ceil(b.bytes / 1024)} KB)` : ''}</button>
</form>`
    : ''}
</div>`;
}

const KIND_WORDS: Record<AuditRecord['kind'], string> = { connect: 'connect', disconnect: 'disconnect', failed_connect: 'refused login', query: 'statement', other: 'other' };

function recordsTable(view: EvidenceView, b: SealedBundle): SafeHtml {
  const records = b.document?.database?.records ?? [];
  if (records.length === 0) return html`<p class="empty" data-records="0">The ${b.label} bundle holds no database records${b.document?.database ? '' : ' (the grant never had a database user)'}.</p>`;
  const p = recordPage(records, view.page, EVIDENCE_PAGE_SIZE);
  const link = (page: number, label: string) => html`<a href="/requests/${view.requestId}?bundle=${b.label}&amp;page=${page}#evidence-records" rel="${page < p.page ? 'prev' : 'next'}">${label}</a>`;
  const first = (p.page - 1) * EVIDENCE_PAGE_SIZE + 1;
  return html`<h3 id="evidence-records">What <span class="mono">${b.document?.database?.user ?? ''}</span> did (${b.label} bundle): records ${first}–${first + p.items.length - 1} of ${records.length}</h3>
<div class="table-wrap"><table class="cards evidence-records" data-records="${records.length}" data-page="${p.page}">
<thead><tr><th>Time (UTC)</th><th class="num">Connection</th><th>Kind</th><th>Statement</th><th class="num">Result</th></tr></thead>
<tbody>${p.items.map(
    (r) => html`<tr data-kind="${r.kind}">
<td data-label="Time"><span class="mono">${r.at}</span></td>
<td data-label="Connection" class="num"><span>${r.connectionId}</span></td>
<td data-label="Kind"><span>${KIND_WORDS[r.kind]}${r.kind === 'query' ? '' : html` <span class="muted">${r.operation}</span>`}</span></td>
<td data-label="Statement" class="stmt"><code class="wrap">${r.statement === undefined ? (r.database ? html`<span class="muted">db ${inertText(r.database)}</span>` : '') : inertText(r.statement)}</code></td>
<td data-label="Result" class="num"><span class="${r.resultCode === 0 ? '' : 'badge bad'}">${r.resultCode === 0 ? 'ok' : `error ${r.resultCode}`}</span></td>
</tr>`,
  )}</tbody></table></div>
${p.pages > 1 ? html`<nav class="pager" aria-label="Record pages">${p.page > 1 ? link(p.page - 1, '← Previous 50') : ''}<span>Page ${p.page} of ${p.pages}</span>${p.page < p.pages ? link(p.page + 1, 'Next 50 →') : ''}</nav>` : ''}`;
}

/** The request's evidence: chain completeness, sealed bundles (verified against their seals), records paged, last anchor. */
export function evidenceSection(view: EvidenceView): SafeHtml {
  const { evidence } = view;
  const shown =
    evidence.bundles.find((b) => b.label === view.bundle && b.status === 'verified') ??
    (view.bundle ? undefined : [...evidence.bundles].reverse().find((b) => b.status === 'verified'));
  const others = evidence.bundles.filter((b) => b.status === 'verified' && b !== shown);
  return html`<section id="evidence" aria-labelledby="evidence-title">
<h2 id="evidence-title">Evidence</h2>
${chainStatus(evidence)}
${anchorLine(evidence)}
${evidence.bundles.length === 0
    ? html`<p class="empty" data-bundles="0">${view.live ? 'No evidence yet: the bundle is collected and sealed when the grant ends.' : 'No evidence bundle is sealed in this request’s chain.'}</p>`
    : evidence.bundles.map((b) => bundleCard(b, view))}
${shown ? recordsTable(view, shown) : view.bundle ? html`<p class="banner warn" data-records="none">No verified ${view.bundle} bundle to list.</p>` : ''}
${others.length ? html`<p class="muted">Also sealed: ${others.map((b) => html`<a href="/requests/${view.requestId}?bundle=${b.label}#evidence-records">the ${b.label} bundle’s records</a> `)}</p>` : ''}
</section>`;
}
