import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/typings/app';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@dbre/service-kit';
import { assertSameOrigin } from '../auth/csrf';
import type { Identity } from '../auth/identity';
import { replyProblem } from '../reply-problem';
import type { QueueSet } from './queue-set';

// @bull-board/fastify 9.10.1 (the latest) pins @bull-board/api 9.10.1 while we use api 9.10.2: the
// adapter's types come from the nested copy, so they are cast; at run time the adapter uses no api code.
export const VIEW_BOARD_PATH = '/queues';
export const ADMIN_BOARD_PATH = '/admin/queues';

/**
 * Two bull-board mounts over the same queues: `/queues` in read-only mode for everyone (the UI
 * shows no actions and the API answers 405 to them; anything but GET is refused before it), and
 * `/admin/queues` with retry/clean/promote for admins only, where every change must come from
 * the board's own page (same origin) and is audited.
 */
export async function registerQueueBoards(
  app: FastifyInstance,
  deps: {
    queues: QueueSet;
    onAdminChange: (identity: Identity, change: { method: string; url: string; status: number }) => Promise<void>;
  },
): Promise<void> {
  const uiConfig = (title: string) => ({
    boardTitle: title,
    hideDocsLink: true,
    miscLinks: [{ text: 'Back to the dashboard', url: '/grants' }],
  });

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
          if (request.method !== 'GET' && request.method !== 'HEAD') assertSameOrigin(request.headers);
        } catch (err) {
          return replyProblem(request, reply, err);
        }
        return undefined;
      });
      scope.addHook('onResponse', async (request, reply) => {
        if (request.method === 'GET' || request.method === 'HEAD' || !request.identity) return;
        await deps.onAdminChange(request.identity, { method: request.method, url: request.url, status: reply.statusCode });
      });
      await scope.register(adminAdapter.registerPlugin());
    },
    { prefix: ADMIN_BOARD_PATH },
  );
}
