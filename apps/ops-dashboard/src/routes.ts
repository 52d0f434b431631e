import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { REQUEST_STATES, TERMINAL_STATES, verifyAuditEvents, type Actor, type Environment } from '@dbre/domain';
import { AppError, guards, isCodedError, statusByKind, type HttpApp } from '@dbre/service-kit';
import type { DocSink } from '@dbre/drivers';
import type { AuditLog } from '@dbre/store';
import { EVIDENCE_LABELS } from '@dbre/evidence';
import { adminChainId, type AdminAudit } from './actions/admin-audit';
import type { DecisionActions } from './actions/approval-api-decisions';
import type { GrantActions } from './actions/grant-actions';
import { originHeaders, type Csrf } from './auth/csrf';
import type { Identity } from './auth/identity';
import { DASHBOARD_CSS, DASHBOARD_JS } from './html/assets';
import { CHARTS_JS, MERMAID_INIT_JS } from './html/chart-assets';
import { hasMermaid, renderMarkdown } from './docs/markdown';
import { html } from './html/html';
import { page, type PageContext } from './html/layout';
import type { OverviewRead } from './overview/overview-read';
import type { CrawlsRead } from './read/crawls-read';
import type { EvidenceRead } from './read/evidence-read';
import type { RequestsRead } from './read/requests-read';
import type { ReviewsRead } from './read/reviews-read';
import { adminLogPage } from './views/admin-log';
import { crawlsPage } from './views/crawls';
import { evidenceSection } from './views/evidence';
import { errorPage } from './views/error';
import { grantsPage, grantsTable } from './views/grants';
import { overviewPage } from './views/overview';
import { REQUEST_SORTS, requestsPage, sortRequests, timelineBlock } from './views/requests';
import { reviewPage, reviewsPage } from './views/reviews';

export interface RouteDeps {
  read: RequestsRead;
  crawls: CrawlsRead;
  reviews: ReviewsRead;
  csrf: Csrf;
  adminAudit: AdminAudit;
  audit: AuditLog;
  grantActions: GrantActions | undefined;
  docsBaseUrl: string | undefined;
  docSink: DocSink | undefined;
  overview: OverviewRead;
  /** Mermaid's browser build (read on first use), when installed: diagrams in published docs are drawn. */
  mermaid?: (() => string) | undefined;
  /** uPlot's browser build and stylesheet, served from memory. */
  chartLibrary: { js: string; css: string };
  /** Approve / deny through approval-api; undefined hides the forms. */
  decisions: DecisionActions | undefined;
  /** How to sign out: basic auth forgets the browser's credentials; ALB OIDC drops the ALB session cookies. */
  signOut: { mode: 'basic' | 'alb-oidc'; challenge: string; redirectUrl?: string | undefined };
  /** Who may approve in an environment (the access policy), for pending requests. */
  approversOf: ((env: Environment) => string[]) | undefined;
  clock: () => Date;
  /** The sealed evidence of requests (through the EvidenceStore port); undefined hides the section. */
  evidence?: EvidenceRead | undefined;
}

export const PUBLISHED_DOCS_PATH = '/published-docs';
const PAGE_SIZE = 50;
const MAX_MATCHES = 2000;

/** Published files are data: served as text (Markdown, JSON) or as sandboxed SVG, never as HTML. */
const DOC_TYPES: Record<string, string> = {
  md: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  txt: 'text/plain; charset=utf-8',
};

/** Our pages run only our own script and style; bull-board's pages are left as they are. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

const ULID = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id (ULID)');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date, YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'a real date');
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const requestFilter = z.object({
  state: z.preprocess(blankToUndefined, z.enum(REQUEST_STATES).optional()),
  requester: z.preprocess(blankToUndefined, z.string().trim().max(254).optional()),
  cluster: z.preprocess(blankToUndefined, z.string().trim().max(63).optional()),
  from: z.preprocess(blankToUndefined, day.optional()),
  to: z.preprocess(blankToUndefined, day.optional()),
  sort: z.preprocess(blankToUndefined, z.enum(REQUEST_SORTS).optional()),
  page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(1000).optional()),
});
const fragment = z.object({ fragment: z.enum(['1']).optional() });
const csrfField = z.string().max(200).optional();
const DONE: Record<string, string> = {
  approved: 'Your approval is recorded; the requester is told (the grant starts once every approval needed is in).',
  denied: 'The request is denied; the requester sees your reason.',
  ended: 'Ending the access now: open sessions are killed and the user is dropped; the state below follows.',
};

function identityOf(request: FastifyRequest): Identity {
  if (!request.identity) throw new AppError('AUTH_REQUIRED', 'unauthorized', 'Sign in first.');
  return request.identity;
}

function sendPage(reply: FastifyReply, ctx: PageContext, title: string, body: ReturnType<typeof html>, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').header('content-security-policy', CSP).send(page(ctx, title, body));
}

function sendFragment(reply: FastifyReply, body: ReturnType<typeof html>): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(body.value);
}

function actorOf(identity: Identity): Actor {
  return { ...(identity.email ? { email: identity.email } : {}), displayName: identity.name };
}

/** The route map of ops-dashboard (the queue boards are mounted in queues/bull-board.ts). */
export function registerRoutes(app: HttpApp, deps: RouteDeps): void {
  const canEnd = (identity: Identity) => identity.role === 'admin' && deps.grantActions !== undefined;

  app.get('/assets/dashboard.css', { schema: { hide: true }, config: { guard: guards.public } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(DASHBOARD_CSS),
  );
  app.get('/assets/dashboard.js', { schema: { hide: true }, config: { guard: guards.public } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(DASHBOARD_JS),
  );
  app.get('/assets/uplot.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(deps.chartLibrary.js),
  );
  app.get('/assets/uplot.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(deps.chartLibrary.css),
  );
  app.get('/assets/charts.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(CHARTS_JS),
  );

  // Errors a person meets while browsing are pages in the dashboard's layout; tools and scripts
  // (anything not asking for HTML) keep problem+json.
  app.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (!type.startsWith('application/problem+json') || !String(request.headers.accept ?? '').includes('text/html')) return payload;
    // A path no route matches is not authenticated (guards belong to routes): it gets a page
    // outside the layout, which names no one and shows nothing of the dashboard.
    const anonymous404 = !request.identity && request.is404;
    if (!request.identity && !anonymous404) return payload;
    let problem: { status?: number; detail?: string; code?: string; title?: string; errors?: Array<{ path: string; message: string }> };
    try {
      problem = JSON.parse(String(payload)) as typeof problem;
    } catch {
      return payload;
    }
    reply.type('text/html; charset=utf-8').header('content-security-policy', CSP);
    const path = request.url.split('?')[0] ?? '';
    const section = (['grants', 'requests', 'crawls', 'reviews', 'admin-log'] as const).find((s) => path.startsWith(`/${s}`)) ?? 'overview';
    const { title, body } = errorPage(reply.statusCode, problem, path);
    if (!request.identity) {
      return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · dbre ops</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body><main class="signed-out"><h1>${title}</h1>${body}<p><a href="/">Go to the overview</a></p></main></body></html>`.value;
    }
    return page({ identity: request.identity, section }, title, body);
  });

  app.get('/sign-out', { schema: { hide: true } }, async (request, reply) => {
    const identity = identityOf(request);
    request.log.info({ user: identity.id }, 'signed out');
    const body = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Signed out · dbre ops</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body><main class="signed-out"><h1>You are signed out</h1><p class="card">Close this tab, or <a href="/">sign in again</a>.</p></main></body></html>`;
    reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).header('clear-site-data', '"cache", "cookies"');
    if (deps.signOut.mode === 'alb-oidc') {
      // The ALB keeps the session in its own cookies (split in up to 4 parts): expire them all.
      for (let i = 0; i < 4; i++) reply.header('set-cookie', `AWSELBAuthSessionCookie-${i}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax`);
      if (deps.signOut.redirectUrl) return reply.redirect(deps.signOut.redirectUrl, 302);
      return reply.send(body.value);
    }
    // A 401 with a fresh challenge makes the browser forget the credentials it was sending.
    return reply.status(401).header('www-authenticate', deps.signOut.challenge).send(body.value);
  });

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const identity = identityOf(request);
    return sendPage(reply, { identity, section: 'overview', charts: true }, 'Overview', overviewPage(await deps.overview.overview()));
  });

  app.get('/grants', { schema: { querystring: fragment.extend({ ended: ULID.optional() }) } }, async (request, reply) => {
    const identity = identityOf(request);
    const view = { grants: await deps.read.liveGrants(), canEnd: canEnd(identity), csrfToken: deps.csrf.token(identity.id), now: deps.clock() };
    if (request.query.fragment) return sendFragment(reply, grantsTable(view));
    const ended = request.query.ended ? view.grants.find((g) => g.id === request.query.ended) : undefined;
    const notice = request.query.ended ? `${ended ? `Ending ${ended.requester.email}'s access to ${ended.target.clusterId}/${ended.target.database}: ` : ''}${DONE['ended']}` : undefined;
    return sendPage(reply, { identity, section: 'grants' }, 'Live grants', grantsPage(view, notice));
  });

  const decide = (what: 'approve' | 'deny') =>
    app.post(
      `/requests/:id/${what}`,
      { schema: { params: z.object({ id: ULID }), body: z.object({ csrf: csrfField, comment: z.string().max(1000).optional(), reason: z.string().max(1000).optional() }) } },
      async (request, reply) => {
        const identity = identityOf(request);
        const { id } = request.params;
        deps.csrf.check(identity.id, request.body?.csrf, request.headers);
        if (!deps.decisions) throw new AppError('DECISIONS_NOT_AVAILABLE', 'unavailable', 'This dashboard is not connected to approval-api; decide in Slack or through approval-api.');
        const reason = request.body?.reason?.trim() ?? '';
        const refuse = (status: number, message: string) =>
          sendPage(reply, { identity, section: 'requests' }, `Could not ${what} the request`, html`<div class="banner warn" role="alert">${message}</div><p><a href="/requests/${id}">Back to the request</a></p>`, status);
        if (what === 'deny' && reason.length < 3) return refuse(400, 'A denial needs a reason of at least 3 characters: the requester sees it.');
        try {
          if (what === 'approve') await deps.decisions.approve(id, actorOf(identity), request.body?.comment?.trim() || undefined);
          else await deps.decisions.deny(id, actorOf(identity), reason);
        } catch (err) {
          if (!isCodedError(err) || statusByKind[err.kind] >= 500) throw err;
          return refuse(statusByKind[err.kind], err.message);
        }
        request.log.info({ user: identity.id, requestId: id, decision: what }, 'decided from the dashboard');
        return reply.redirect(`/requests/${id}?done=${what === 'approve' ? 'approved' : 'denied'}`, 303);
      },
    );
  decide('approve');
  decide('deny');

  app.post(
    '/grants/:id/end',
    { schema: { params: z.object({ id: ULID }), body: z.object({ csrf: z.string().max(200).optional(), back: z.enum(['grants', 'request']).optional() }) } },
    async (request, reply) => {
      const identity = identityOf(request);
      const { id } = request.params;
      if (identity.role !== 'admin') {
        request.log.warn({ user: identity.id, requestId: id }, 'a read-only user tried to end a grant');
        await deps.adminAudit.record(identity, 'end-now-refused', { requestId: id, why: 'not an admin' });
        throw new AppError('ADMIN_ONLY', 'forbidden', 'Only dashboard admins can end a grant.');
      }
      deps.csrf.check(identity.id, request.body?.csrf, originHeaders(request));
      if (!deps.grantActions) throw new AppError('END_NOT_AVAILABLE', 'unavailable', 'This dashboard is not connected to the access lifecycle; end the grant through request-api.');
      try {
        await deps.grantActions.endNow(id, actorOf(identity));
      } catch (err) {
        if (!isCodedError(err) || statusByKind[err.kind] >= 500) throw err;
        return sendPage(
          reply,
          { identity, section: 'grants' },
          'Could not end the grant',
          html`<div class="banner warn">${err.message}</div><p><a href="/requests/${id}">Back to the request</a> · <a href="/grants">Live grants</a></p>`,
          statusByKind[err.kind],
        );
      }
      await deps.adminAudit.record(identity, 'end-now', { endedBy: identity.id }, id);
      request.log.info({ user: identity.id, requestId: id }, 'grant ended from the dashboard');
      return reply.redirect(request.body?.back === 'request' ? `/requests/${id}?done=ended` : `/grants?ended=${id}`, 303);
    },
  );

  app.get('/requests', { schema: { querystring: requestFilter } }, async (request, reply) => {
    const identity = identityOf(request);
    const q = request.query;
    const defaulted = !q.from && !q.to && !q.requester && !q.state;
    // Without any filter, the newest week: every state would otherwise be read from the beginning.
    const from = q.from ? new Date(`${q.from}T00:00:00Z`) : defaulted ? new Date(deps.clock().getTime() - 7 * 86_400_000) : undefined;
    const to = q.to ? new Date(Date.parse(`${q.to}T00:00:00Z`) + 86_400_000) : undefined;
    // Every match of the window (up to MAX_MATCHES) is read, then sorted and paged here.
    const list = await deps.read.list({ state: q.state, requester: q.requester, cluster: q.cluster, from, to }, MAX_MATCHES);
    const sorted = sortRequests(list.items, q.sort ?? 'newest');
    return sendPage(
      reply,
      { identity, section: 'requests' },
      'Requests',
      requestsPage(q, { items: sorted, truncated: list.truncated }, { page: q.page ?? 1, pageSize: PAGE_SIZE, defaultWindow: defaulted, max: MAX_MATCHES }),
    );
  });

  app.get(
    '/requests/:id',
    {
      schema: {
        params: z.object({ id: ULID }),
        querystring: fragment.extend({
          done: z.enum(['approved', 'denied', 'ended']).optional(),
          bundle: z.preprocess(blankToUndefined, z.enum(EVIDENCE_LABELS).optional()),
          page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(100_000).optional()),
        }),
      },
      config: { guard: guards.dashboard },
    },
    async (request, reply) => {
    const identity = identityOf(request);
    const timeline = await deps.read.timeline(request.params.id);
    if (!timeline) throw new AppError('REQUEST_NOT_FOUND', 'not_found', `There is no access request ${request.params.id}.`);
    const block = timelineBlock({
      ...timeline,
      canEnd: canEnd(identity),
      csrfToken: deps.csrf.token(identity.id),
      approvers: deps.approversOf?.(timeline.request.target.environment),
      canDecide: deps.decisions !== undefined && identity.email !== undefined,
      notice: request.query.done && !request.query.fragment ? DONE[request.query.done] : undefined,
    });
    if (request.query.fragment) return sendFragment(reply, block);
    // The evidence is read once per page view, outside the timeline that refreshes itself.
    const evidence = deps.evidence
      ? evidenceSection({
          requestId: timeline.request.id,
          evidence: await deps.evidence.forRequest(timeline.request, timeline.events),
          bundle: request.query.bundle,
          page: request.query.page ?? 1,
          canDownload: identity.role === 'admin',
          csrfToken: deps.csrf.token(identity.id),
          live: !TERMINAL_STATES.includes(timeline.request.state),
        })
      : '';
    return sendPage(reply, { identity, section: 'requests' }, `Request ${timeline.request.id}`, html`${block}${evidence}`);
    },
  );

  app.post(
    '/requests/:id/evidence/:label/download',
    { schema: { params: z.object({ id: ULID, label: z.enum(EVIDENCE_LABELS) }), body: z.object({ csrf: csrfField }) }, config: { guard: guards.dashboard } },
    async (request, reply) => {
      const identity = identityOf(request);
      const { id, label } = request.params;
      if (identity.role !== 'admin') {
        request.log.warn({ user: identity.id, requestId: id, label }, 'a read-only user tried to download evidence');
        await deps.adminAudit.record(identity, 'evidence-download-refused', { requestId: id, label, why: 'not an admin' });
        throw new AppError('ADMIN_ONLY', 'forbidden', 'Only dashboard admins can download evidence bundles.');
      }
      deps.csrf.check(identity.id, request.body?.csrf, originHeaders(request));
      if (!deps.evidence) throw new AppError('EVIDENCE_NOT_AVAILABLE', 'unavailable', 'This dashboard is not connected to the evidence store (EVIDENCE_DIR or EVIDENCE_BUCKET).');
      const timeline = await deps.read.timeline(id);
      if (!timeline) throw new AppError('REQUEST_NOT_FOUND', 'not_found', `There is no access request ${id}.`);
      const found = await deps.evidence.bundleBytes(timeline.request, timeline.events, label);
      if (!found) throw new AppError('EVIDENCE_NOT_SEALED', 'not_found', `Request ${id} has no sealed ${label} evidence bundle.`);
      const { seal, bytes } = found;
      if (!bytes) throw new AppError('EVIDENCE_MISSING', 'not_found', `The ${label} bundle of request ${id} is sealed but not in the evidence store (${seal.problem ?? seal.objectKey}).`);
      // The exact stored bytes, even when they do not match the seal (that is evidence too); the headers say which.
      await deps.adminAudit.record(identity, 'evidence-download', { label, objectKey: seal.objectKey, sha256: seal.sha256, status: seal.status, bytes: bytes.length }, id);
      request.log.info({ user: identity.id, requestId: id, label, status: seal.status }, 'evidence bundle downloaded');
      return reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="evidence-${id}-${label}.json"`)
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('x-evidence-sealed-sha256', seal.sha256)
        .header('x-evidence-status', seal.status)
        .send(bytes);
    },
  );

  app.get('/crawls', async (request, reply) => {
    const identity = identityOf(request);
    return sendPage(reply, { identity, section: 'crawls' }, 'Doc crawls', crawlsPage(await deps.crawls.byCluster(), deps.docsBaseUrl));
  });

  app.get('/reviews', async (request, reply) => {
    const identity = identityOf(request);
    return sendPage(reply, { identity, section: 'reviews' }, 'Schema reviews', reviewsPage(await deps.reviews.recent()));
  });

  app.get('/reviews/:id', { schema: { params: z.object({ id: z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, 'a review id') }) } }, async (request, reply) => {
    const identity = identityOf(request);
    const review = await deps.reviews.get(request.params.id);
    if (!review) throw new AppError('REVIEW_NOT_FOUND', 'not_found', `There is no stored review ${request.params.id}.`);
    return sendPage(reply, { identity, section: 'reviews' }, review.title ?? `Review ${review.id}`, reviewPage(review));
  });

  if (deps.docSink) {
    const sink = deps.docSink;
    app.get(`${PUBLISHED_DOCS_PATH}/*`, { schema: { querystring: z.object({ raw: z.enum(['1']).optional() }) } }, async (request, reply) => {
      const identity = identityOf(request);
      // Fastify has already decoded the wildcard once; decoding again would let %252e%252e through as `..`.
      const path = (request.params as { '*'?: string })['*'] ?? '';
      const ext = /\.([a-z]+)$/.exec(path)?.[1] ?? '';
      const type = DOC_TYPES[ext];
      if (!type || path.split('/').some((s) => s === '' || s === '.' || s === '..')) throw new AppError('DOC_NOT_FOUND', 'not_found', `No published document ${path}.`);
      const body = await sink.read(path);
      if (!body) throw new AppError('DOC_NOT_FOUND', 'not_found', `No published document ${path}.`);
      if (ext === 'md' && !request.query.raw) {
        // Markdown is read as a page: rendered (raw HTML in it shown as text), diagrams drawn.
        const rendered = renderMarkdown(body.toString('utf8'));
        const mermaid = hasMermaid(rendered) && deps.mermaid !== undefined;
        const crumbs = path.split('/');
        return sendPage(
          reply,
          { identity, section: 'crawls', ...(mermaid ? { mermaid: true } : {}) },
          crumbs.at(-1) ?? path,
          html`<p class="muted crumbs">Published by the doc-crawler · <span class="mono">${path}</span> · <a href="?raw=1">Markdown source</a></p><article class="doc card">${rendered}</article>`,
        );
      }
      return reply.type(type).header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox").send(body);
    });
  }
  if (deps.mermaid) {
    const mermaid = deps.mermaid;
    app.get('/assets/mermaid.js', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(mermaid()),
    );
    app.get('/assets/mermaid-init.js', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(MERMAID_INIT_JS),
    );
  }

  app.get('/admin-log', { schema: { querystring: z.object({ day: z.preprocess(blankToUndefined, day.optional()) }) } }, async (request, reply) => {
    const identity = identityOf(request);
    if (identity.role !== 'admin') throw new AppError('ADMIN_ONLY', 'forbidden', 'Only dashboard admins can read the admin log.');
    const at = request.query.day ? new Date(`${request.query.day}T00:00:00Z`) : deps.clock();
    const events = await deps.audit.list(adminChainId(at));
    return sendPage(reply, { identity, section: 'admin-log' }, 'Admin log', adminLogPage(at.toISOString().slice(0, 10), events, verifyAuditEvents(events)));
  });
}
