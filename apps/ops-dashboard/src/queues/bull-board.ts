import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/typings/app';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@dbre/service-kit';
import { assertSameOrigin, originHeaders } from '../auth/csrf';
import type { Identity } from '../auth/identity';
import { replyProblem } from '../reply-problem';
import type { QueueSet } from './queue-set';

// @bull-board/fastify 9.10.1 (the latest) pins @bull-board/api 9.10.1 while we use api 9.10.2: the
// adapter's types come from the nested copy, so they are cast; at run time the adapter uses no api code.
export const VIEW_BOARD_PATH = '/queues';
export const ADMIN_BOARD_PATH = '/admin/queues';

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
  const noRemoteFonts = async (_request: unknown, reply: { getHeader(name: string): unknown; header(name: string, value: string): unknown }, payload: unknown) => {
    if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
    reply.header('content-security-policy', "font-src 'self' data:; frame-ancestors 'none'");
    return payload.replace(/<link[^>]+fonts\.googleapis\.com[^>]*>/g, '');
  };

  const viewAdapter = new FastifyAdapter();
  viewAdapter.setBasePath(VIEW_BOARD_PATH);
  createBullBoard({
    queues: deps.queues.all.map((q) => new BullMQAdapter(q, { readOnlyMode: true, description: `${q.name} (read-only)` })),
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
    queues: deps.queues.all.map((q) => new BullMQAdapter(q, { readOnlyMode: false, allowRetries: true })),
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
