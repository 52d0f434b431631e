import type { Identity } from '../auth/identity';
import { html, type SafeHtml } from './html';

export interface PageContext {
  identity: Identity;
  /** Path of the current section, for the nav highlight. */
  section: 'overview' | 'grants' | 'requests' | 'crawls' | 'reviews' | 'queues' | 'admin-log';
  /** The page draws charts: load the chart library. */
  charts?: boolean;
  /** The page has Mermaid diagrams: load the renderer. */
  mermaid?: boolean;
}

const NAV: Array<{ section: PageContext['section']; href: string; label: string; admin?: boolean }> = [
  { section: 'overview', href: '/', label: 'Overview' },
  { section: 'grants', href: '/grants', label: 'Live grants' },
  { section: 'requests', href: '/requests', label: 'Requests' },
  { section: 'crawls', href: '/crawls', label: 'Doc crawls' },
  { section: 'reviews', href: '/reviews', label: 'Schema reviews' },
  { section: 'queues', href: '/queues', label: 'Queues' },
  { section: 'admin-log', href: '/admin-log', label: 'Admin log', admin: true },
];

export function page(ctx: PageContext, title: string, body: SafeHtml): string {
  const isAdmin = ctx.identity.role === 'admin';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · dbre ops</title>
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/dashboard.js" defer></script>
${ctx.charts ? html`<link rel="stylesheet" href="/assets/uplot.css">
<script src="/assets/uplot.js" defer></script>
<script src="/assets/charts.js" defer></script>` : ''}
${ctx.mermaid ? html`<script src="/assets/mermaid.js" defer></script>
<script src="/assets/mermaid-init.js" defer></script>` : ''}
</head>
<body>
<header class="top">
  <a class="brand" href="/">dbre ops</a>
  <nav aria-label="Sections">${NAV.filter((n) => !n.admin || isAdmin).map(
    (n) => html`<a href="${n.section === 'queues' && isAdmin ? '/admin/queues' : n.href}" class="${n.section === ctx.section ? 'current' : ''}" ${n.section === ctx.section ? html`aria-current="page"` : ''}>${n.label}</a>`,
  )}</nav>
  <label class="tz">Time zone <select id="tz-choice"><option value="utc">Times in UTC</option><option value="local">Times in this browser's zone</option></select></label>
  <span class="who" data-role="${ctx.identity.role}">${ctx.identity.name} · ${isAdmin ? 'admin' : 'read-only'} · <a href="/sign-out">Sign out</a></span>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.value;
}

/** UTC, second precision: the same clock for everyone on the team. */
export function when(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function stateBadge(state: string): SafeHtml {
  return html`<span class="badge s-${state}">${state}</span>`;
}

export function durationText(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
