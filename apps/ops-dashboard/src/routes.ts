import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { REQUEST_STATES, verifyAuditEvents, type Actor } from '@dbre/domain';
import { AppError, guards, isCodedError, statusByKind, type HttpApp } from '@dbre/service-kit';
import type { DocSink } from '@dbre/drivers';
import type { AuditLog } from '@dbre/store';
import { adminChainId, type AdminAudit } from './actions/admin-audit';
import type { GrantActions } from './actions/grant-actions';
import { originHeaders, type Csrf } from './auth/csrf';
import type { Identity } from './auth/identity';
import { DASHBOARD_CSS, DASHBOARD_JS } from './html/assets';
import { html } from './html/html';
import { page, type PageContext } from './html/layout';
import type { CrawlsRead } from './read/crawls-read';
import type { RequestsRead } from './read/requests-read';
import type { ReviewsRead } from './read/reviews-read';
import { adminLogPage } from './views/admin-log';
import { crawlsPage } from './views/crawls';
import { grantsPage, grantsTable } from './views/grants';
import { requestsPage, timelineBlock } from './views/requests';
import { reviewsPage } from './views/reviews';

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
  clock: () => Date;
}

export const PUBLISHED_DOCS_PATH = '/published-docs';

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
});
const fragment = z.object({ fragment: z.enum(['1']).optional() });

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
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/grants', 302));

  app.get('/grants', { schema: { querystring: fragment } }, async (request, reply) => {
    const identity = identityOf(request);
    const view = { grants: await deps.read.liveGrants(), canEnd: canEnd(identity), csrfToken: deps.csrf.token(identity.id), now: deps.clock() };
    if (request.query.fragment) return sendFragment(reply, grantsTable(view));
    return sendPage(reply, { identity, section: 'grants' }, 'Live grants', grantsPage(view));
  });

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
      return reply.redirect(request.body?.back === 'request' ? `/requests/${id}` : '/grants', 303);
    },
  );

  app.get('/requests', { schema: { querystring: requestFilter } }, async (request, reply) => {
    const identity = identityOf(request);
    const q = request.query;
    const defaulted = !q.from && !q.to && !q.requester && !q.state;
    // Without any filter, the newest week: every state would otherwise be read from the beginning.
    const from = q.from ? new Date(`${q.from}T00:00:00Z`) : defaulted ? new Date(deps.clock().getTime() - 7 * 86_400_000) : undefined;
    const to = q.to ? new Date(Date.parse(`${q.to}T00:00:00Z`) + 86_400_000) : undefined;
    const list = await deps.read.list({ state: q.state, requester: q.requester, cluster: q.cluster, from, to });
    return sendPage(reply, { identity, section: 'requests' }, 'Requests', requestsPage(q, list, defaulted ? 'Showing requests of the last 7 days; set filters to see more.' : undefined));
  });

  app.get('/requests/:id', { schema: { params: z.object({ id: ULID }), querystring: fragment } }, async (request, reply) => {
    const identity = identityOf(request);
    const timeline = await deps.read.timeline(request.params.id);
    if (!timeline) throw new AppError('REQUEST_NOT_FOUND', 'not_found', `There is no access request ${request.params.id}.`);
    const block = timelineBlock({ ...timeline, canEnd: canEnd(identity), csrfToken: deps.csrf.token(identity.id) });
    if (request.query.fragment) return sendFragment(reply, block);
    return sendPage(reply, { identity, section: 'requests' }, `Request ${timeline.request.id}`, block);
  });

  app.get('/crawls', async (request, reply) => {
    const identity = identityOf(request);
    return sendPage(reply, { identity, section: 'crawls' }, 'Doc crawls', crawlsPage(await deps.crawls.byCluster(), deps.docsBaseUrl));
  });

  app.get('/reviews', async (request, reply) => {
    const identity = identityOf(request);
    return sendPage(reply, { identity, section: 'reviews' }, 'Schema reviews', reviewsPage(await deps.reviews.recent()));
  });

  if (deps.docSink) {
    const sink = deps.docSink;
    app.get(`${PUBLISHED_DOCS_PATH}/*`, async (request, reply) => {
      identityOf(request);
      // Fastify has already decoded the wildcard once; decoding again would let %252e%252e through as `..`.
      const path = (request.params as { '*'?: string })['*'] ?? '';
      const ext = /\.([a-z]+)$/.exec(path)?.[1] ?? '';
      const type = DOC_TYPES[ext];
      if (!type || path.split('/').some((s) => s === '' || s === '.' || s === '..')) throw new AppError('DOC_NOT_FOUND', 'not_found', `No published document ${path}.`);
      const body = await sink.read(path);
      if (!body) throw new AppError('DOC_NOT_FOUND', 'not_found', `No published document ${path}.`);
      return reply.type(type).header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox").send(body);
    });
  }

  app.get('/admin-log', { schema: { querystring: z.object({ day: z.preprocess(blankToUndefined, day.optional()) }) } }, async (request, reply) => {
    const identity = identityOf(request);
    if (identity.role !== 'admin') throw new AppError('ADMIN_ONLY', 'forbidden', 'Only dashboard admins can read the admin log.');
    const at = request.query.day ? new Date(`${request.query.day}T00:00:00Z`) : deps.clock();
    const events = await deps.audit.list(adminChainId(at));
    return sendPage(reply, { identity, section: 'admin-log' }, 'Admin log', adminLogPage(at.toISOString().slice(0, 10), events, verifyAuditEvents(events)));
  });
}
