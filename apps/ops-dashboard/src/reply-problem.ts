import type { FastifyReply, FastifyRequest } from 'fastify';
import { isCodedError, sendProblem, statusByKind } from '@dbre/service-kit';

/**
 * Answers a refused request from a hook directly. Throwing would hand the error to the route's
 * own error handler, and bull-board installs one of its own that knows nothing of our codes.
 */
export function replyProblem(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  if (!isCodedError(err)) throw err;
  const status = statusByKind[err.kind];
  request.log.info({ code: err.code, status }, 'request refused');
  return sendProblem(reply, {
    type: 'about:blank',
    title: err.kind.replace('_', ' '),
    status,
    code: err.code,
    detail: status >= 500 ? 'The service failed; the error is logged with this request id.' : err.message,
    instance: request.id,
  });
}
