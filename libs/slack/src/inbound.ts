import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { guards, markAuthenticated } from '@dbre/service-kit';
import { SlackAdapterError } from './errors';
import type { ReplayCache } from './replay-cache';
import { verifySlackSignature } from './signature';

export interface SlackInboundOptions {
  signingSecret: string;
  replayCache: ReplayCache;
  /** Largest accepted body, bytes (a view_submission carries the whole view: allow some room). */
  bodyLimit?: number;
  /** Route prefix of the Slack endpoints. */
  prefix?: string;
  /** Injectable clock for tests, seconds. */
  nowSeconds?: () => number;
}

const RAW = Symbol('slackRawBody');
type WithRaw = FastifyRequest & { [RAW]?: string };

/** The exact bytes Slack signed (as UTF-8 text); undefined outside the Slack scope. */
export function rawBodyOf(request: FastifyRequest): string | undefined {
  return (request as WithRaw)[RAW];
}

/** Slack's own retry counter: present when Slack re-sends a request it thinks failed. */
export function slackRetryNum(request: FastifyRequest): number | undefined {
  const value = request.headers['x-slack-retry-num'];
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Registers `routes` in an encapsulated scope (default prefix `/slack`) where every request is
 * verified before any handler runs: the raw body is kept as Slack sent it, the v0 signature is
 * checked in constant time, the timestamp must be within 5 minutes and a signature seen before
 * is refused. Any failure is a 401 with a message naming the failed check; nothing else runs.
 * The body parsers are scoped, so the rest of the app keeps Fastify's defaults.
 */
export async function registerSlackInbound<A extends FastifyInstance>(
  app: A,
  options: SlackInboundOptions,
  routes: (scope: A) => void | Promise<void>,
): Promise<void> {
  const bodyLimit = options.bodyLimit ?? 256 * 1024;
  await app.register(
    async (scope) => {
      // Every route of this scope is declared as Slack-guarded, with the Slack body limit (a 413 states it).
      scope.addHook('onRoute', (route: RouteOptions) => {
        route.config = { ...(route.config ?? {}), guard: guards.slack } as RouteOptions['config'];
        route.bodyLimit = bodyLimit;
      });
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        ['application/x-www-form-urlencoded', 'application/json'],
        { parseAs: 'string', bodyLimit },
        (request, body, done) => {
          const text = body as string;
          (request as WithRaw)[RAW] = text;
          try {
            const type = request.headers['content-type'] ?? '';
            done(null, type.startsWith('application/json') ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text)));
          } catch (err) {
            done(new SlackAdapterError('SLACK_PAYLOAD_INVALID', 'invalid', 'The Slack request body is not valid JSON.', { cause: err }), undefined);
          }
        },
      );
      // preValidation: after the raw body is read, before schemas and handlers see anything.
      scope.addHook('preValidation', async (request) => {
        const rawBody = rawBodyOf(request);
        if (rawBody === undefined) {
          throw new SlackAdapterError('SLACK_SIGNATURE_MISSING', 'unauthorized', 'A Slack request must carry a form-encoded or JSON body.');
        }
        const signature = header(request, 'x-slack-signature');
        verifySlackSignature({
          signingSecret: options.signingSecret,
          rawBody,
          timestamp: header(request, 'x-slack-request-timestamp'),
          signature,
          ...(options.nowSeconds ? { nowSeconds: options.nowSeconds() } : {}),
        });
        if (!(await options.replayCache.claim(signature as string))) {
          throw new SlackAdapterError('SLACK_REPLAYED', 'unauthorized', 'This Slack request was already received once; replays are refused.');
        }
        markAuthenticated(request, 'slack');
      });
      await routes(scope as unknown as A);
    },
    { prefix: options.prefix ?? '/slack' },
  );
}
