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
  /** Shows a refusal to the user of a button click (an ephemeral message); other kinds answer in the HTTP reply. */
  tellUser?: (channel: string, user: string, text: string) => Promise<void>;
}

/** The Slack user a verified request comes from (slash command field or interaction payload). */
function slackUserOf(body: unknown): string {
  const fields = (body ?? {}) as Record<string, unknown>;
  if (typeof fields['user_id'] === 'string') return fields['user_id'].slice(0, 32);
  if (typeof fields['payload'] !== 'string') return '';
  try {
    const id = (JSON.parse(fields['payload']) as { user?: { id?: unknown } }).user?.id;
    return typeof id === 'string' ? id.slice(0, 32) : '';
  } catch {
    return '';
  }
}

/**
 * A refusal Slack shows the person (HTTP 200): an ephemeral reply to a command, an inline error in
 * a modal, an ephemeral message after a click. A 4xx/5xx would only show "dispatch_failed".
 */
async function slackRefusal(body: unknown, text: string, tellUser: SlackInboundOptions['tellUser']): Promise<unknown> {
  const fields = (body ?? {}) as Record<string, unknown>;
  if (typeof fields['payload'] !== 'string') return { response_type: 'ephemeral', text };
  let payload: { type?: string; user?: { id?: string }; channel?: { id?: string }; container?: { channel_id?: string }; view?: { state?: { values?: Record<string, unknown> } } } = {};
  try {
    payload = JSON.parse(fields['payload']) as typeof payload;
  } catch {
    return '';
  }
  if (payload.type === 'view_submission') {
    const field = Object.keys(payload.view?.state?.values ?? {})[0];
    return field ? { response_action: 'errors', errors: { [field]: text.slice(0, 150) } } : { response_action: 'clear' };
  }
  const channel = payload.container?.channel_id ?? payload.channel?.id;
  if (tellUser && channel && payload.user?.id) await tellUser(channel, payload.user.id, text);
  return '';
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
      // A person Slack cannot resolve gets told so in Slack, not a 500; every other error goes to the app's handler.
      scope.setErrorHandler(async (err: Error & { code?: unknown }, request, reply) => {
        // A body Slack would never send (a forged-but-signed or truncated one) is a 400, not a 500.
        if (err.name === 'ZodError') throw new SlackAdapterError('SLACK_PAYLOAD_INVALID', 'invalid', 'The Slack request does not have the fields this endpoint expects.', { cause: err });
        if (err.code !== 'SLACK_USER_UNKNOWN') throw err;
        request.log.warn({ code: err.code }, 'a Slack user the app cannot resolve was refused');
        return reply.status(200).send(await slackRefusal(request.body, err.message, options.tellUser));
      });
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
        // Per Slack user: rate limits and once-only keys are per person, not one bucket for all of Slack.
        markAuthenticated(request, 'slack', slackUserOf(request.body));
      });
      await routes(scope as unknown as A);
    },
    { prefix: options.prefix ?? '/slack' },
  );
}
