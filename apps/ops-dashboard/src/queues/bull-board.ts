import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/typings/app';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@dbre/service-kit';
import { assertSameOrigin, originHeaders } from '../auth/csrf';
import type { Identity } from '../auth/identity';
import { replyProblem } from '../reply-problem';
import { jobLink, jobName } from './job-links';
import type { QueueSet } from './queue-set';

// @bull-board/fastify 9.10.1 (the latest) pins @bull-board/api 9.10.1 while we use api 9.10.2: the
// adapter's types come from the nested copy, so they are cast; at run time the adapter uses no api code.
export const VIEW_BOARD_PATH = '/queues';
export const ADMIN_BOARD_PATH = '/admin/queues';
export const BOARD_ZONE_SCRIPT_PATH = '/assets/board-zone.js';

/**
 * Runs before bull-board's (deferred) bundle reads its config: with the dashboard's time-zone
 * choice set to the browser's zone (localStorage `dbre-tz` = `local`), the board's date formats
 * use that zone instead of UTC.
 */
export const BOARD_ZONE_SCRIPT = `(function () {
  var pref; try { pref = localStorage.getItem('dbre-tz'); } catch (e) { return; }
  if (pref !== 'local') return;
  var zone; try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  var el = document.getElementById('__UI_CONFIG__');
  if (!zone || !el) return;
  try {
    var config = JSON.parse(el.textContent);
    var formats = config.dateFormats || {};
    Object.keys(formats).forEach(function (k) { formats[k].timeZone = zone; });
    el.textContent = JSON.stringify(config);
  } catch (e) { /* the board keeps UTC */ }
})();
`;

/**
 * Retry, clean and promote (per queue state or per job) are the admin actions the issue asks for.
 * Emptying, obliterating, pausing, adding or editing jobs would bypass the lifecycle's rules.
 */
const ALLOWED_CHANGE = /^\/admin\/queues\/api\/queues\/[^/?]+\/(?:(?:retry|clean)\/[a-z-]+|promote|[^/?]+\/(?:retry|clean|promote))(?:\?.*)?$/;

function isAllowedChange(method: string, url: string): boolean {
  return method === 'PUT' && ALLOWED_CHANGE.test(url);
}

/**
 * Two bull-board mounts over the same queues: `/queues` in read-only mode for everyone (the UI
 * shows no actions and the API answers 405 to them; anything but GET is refused before it), and
 * `/admin/queues` with retry/clean/promote (nothing else) for admins only, where every change must come from
 * the board's own page (same origin) and is audited.
 */
export async function registerQueueBoards(
  app: FastifyInstance,
  deps: {
    queues: QueueSet;
    onAdminChange: (identity: Identity, change: { method: string; url: string; status: number }) => Promise<void>;
  },
): Promise<void> {
  // Times in UTC like the rest of the dashboard (bull-board formats with Intl in the browser).
  const utc = { timeZone: 'UTC', timeZoneName: 'short', hourCycle: 'h23' } as const;
  const uiConfig = (title: string) => ({
    boardTitle: title,
    hideDocsLink: true,
    miscLinks: [{ text: '← Back to the dashboard', url: '/' }],
    dateFormats: {
      short: { ...utc, hour: '2-digit', minute: '2-digit', second: '2-digit' },
      common: { ...utc, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' },
      full: { ...utc, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' },
    } satisfies Record<'short' | 'common' | 'full', Intl.DateTimeFormatOptions>,
  });
  // bull-board's page links a web font from the internet: dropped, and the CSP refuses any other.
  // The zone script goes right after the board's config, before its deferred bundle runs.
  const noRemoteFonts = async (_request: unknown, reply: { getHeader(name: string): unknown; header(name: string, value: string): unknown }, payload: unknown) => {
    if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
    reply.header('content-security-policy', "font-src 'self' data:; frame-ancestors 'none'");
    return payload
      .replace(/<link[^>]+fonts\.googleapis\.com[^>]*>/g, '')
      .replace(/(<script id="__UI_CONFIG__"[^>]*>[\s\S]*?<\/script>)/, `$1<script src="${BOARD_ZONE_SCRIPT_PATH}"></script>`);
  };
  // Behind the dashboard's sign-in like the board itself (the browser sends the same credentials).
  app.get(BOARD_ZONE_SCRIPT_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(BOARD_ZONE_SCRIPT),
  );
  // Each job links to its request (or the crawls page); a revoke job's name says why it runs.
  const adapterOf = (queue: QueueSet['all'][number], options: { readOnlyMode: boolean; allowRetries?: boolean; description?: string }) => {
    const adapter = new BullMQAdapter(queue, { ...options, externalJobUrl: (job) => jobLink(queue.name, job) as { href: string; displayText?: string } });
    adapter.setFormatter('name', (job: { name?: string; data?: unknown }) => jobName(queue.name, job));
    return adapter;
  };

  const viewAdapter = new FastifyAdapter();
  viewAdapter.setBasePath(VIEW_BOARD_PATH);
  createBullBoard({
    queues: deps.queues.all.map((q) => adapterOf(q, { readOnlyMode: true, description: `${q.name} (read-only)` })),
    serverAdapter: viewAdapter as unknown as IServerAdapter,
    options: { uiConfig: uiConfig('dbre queues (read-only)') },
  });
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          return replyProblem(request, reply, new AppError('READ_ONLY_BOARD', 'forbidden', `This queue board is read-only; admins use ${ADMIN_BOARD_PATH}.`));
        }
        return undefined;
      });
      scope.addHook('onSend', noRemoteFonts);
      await scope.register(viewAdapter.registerPlugin());
    },
    { prefix: VIEW_BOARD_PATH },
  );

  const adminAdapter = new FastifyAdapter();
  adminAdapter.setBasePath(ADMIN_BOARD_PATH);
  createBullBoard({
    queues: deps.queues.all.map((q) => adapterOf(q, { readOnlyMode: false, allowRetries: true })),
    serverAdapter: adminAdapter as unknown as IServerAdapter,
    options: { uiConfig: uiConfig('dbre queues (admin)') },
  });
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        try {
          if (request.identity?.role !== 'admin') throw new AppError('ADMIN_ONLY', 'forbidden', `Only dashboard admins can change queues; use ${VIEW_BOARD_PATH} to look.`);
          if (request.method !== 'GET' && request.method !== 'HEAD') {
            assertSameOrigin(originHeaders(request));
            if (!isAllowedChange(request.method, request.url)) {
              throw new AppError('QUEUE_ACTION_NOT_ALLOWED', 'forbidden', 'The dashboard allows retry, clean and promote only; other queue changes go through the services.');
            }
          }
        } catch (err) {
          return replyProblem(request, reply, err);
        }
        return undefined;
      });
      scope.addHook('onResponse', async (request, reply) => {
        if (request.method === 'GET' || request.method === 'HEAD' || !request.identity) return;
        await deps.onAdminChange(request.identity, { method: request.method, url: request.url, status: reply.statusCode });
      });
      scope.addHook('onSend', noRemoteFonts);
      await scope.register(adminAdapter.registerPlugin());
    },
    { prefix: ADMIN_BOARD_PATH },
  );
}
