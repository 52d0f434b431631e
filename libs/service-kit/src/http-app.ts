import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyMetrics from 'fastify-metrics';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { hasZodFastifySchemaValidationErrors, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError, isCodedError, statusByKind } from './errors';
import { createLifecycle, type Lifecycle } from './lifecycle';
import { completeProblemResponses, openApiTransform, serializerCompiler } from './openapi';
import { createMemoryIdempotencyStore, createRedisIdempotencyStore, installIdempotency } from './idempotency';
import { guards, installRouteGuards, principalOf, type RouteGuardOptions } from './route-guard';
import { runReadinessChecks, type ReadinessCheck } from './readiness';

export type HttpApp = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface HttpAppOptions {
  name: string;
  version?: string;
  logger: Logger;
  readiness?: readonly ReadinessCheck[];
  lifecycle?: Lifecycle;
  /** Largest accepted request body, bytes. */
  bodyLimit?: number;
  /** Serve the OpenAPI document at /openapi.json. */
  openapi?: { title: string; description?: string };
  /** Who may call which route (see route-guard.ts); every route is refused unless its guard is met. */
  auth?: RouteGuardOptions;
  /**
   * Per-caller limit on every write route (any method but GET/HEAD/OPTIONS), in Redis when given so
   * that it holds across replicas. Default 60 per minute, in memory.
   */
  rateLimit?: { max?: number | undefined; timeWindowMs?: number | undefined; redis?: Redis | undefined };
  /** Where Idempotency-Key answers are kept (routes with `config.idempotent`); memory without Redis. */
  idempotency?: { redis?: Redis | undefined; ttlSeconds?: number };
  /**
   * Addresses of the proxies whose X-Forwarded-* headers are believed (Fastify `trustProxy`);
   * none by default, so a client cannot claim another host or address.
   */
  trustProxy?: readonly string[] | undefined;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: Array<{ path: string; message: string }>;
  [extra: string]: unknown;
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

function problemFor(err: FastifyError | Error, request: FastifyRequest): Problem {
  const instance = request.id;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors = err.validation.map((v) => ({
      path: `${err.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`,
      message: v.message ?? 'invalid',
    }));
    return {
      type: 'about:blank',
      title: 'Invalid request',
      status: 400,
      code: 'REQUEST_INVALID',
      detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      errors,
      instance,
    };
  }
  if (isCodedError(err)) {
    const status = statusByKind[err.kind];
    return {
      type: 'about:blank',
      title: err.kind.replace('_', ' '),
      status,
      code: err.code,
      detail: status >= 500 ? 'The service failed; the error is logged with this request id.' : err.message,
      instance,
      ...(status < 500 && err.details ? err.details : {}),
    };
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { type: 'about:blank', title: 'Payload too large', status: 413, code: 'PAYLOAD_TOO_LARGE', detail: `The request body is larger than the ${request.routeOptions.bodyLimit ?? ''} bytes accepted.`, instance };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { type: 'about:blank', title: 'Bad request', status: fe.statusCode, code: fe.code ?? 'BAD_REQUEST', detail: fe.message, instance };
  }
  return { type: 'about:blank', title: 'Internal error', status: 500, code: 'INTERNAL', detail: 'The service failed; the error is logged with this request id.', instance };
}

/**
 * A Fastify instance with what every service shares: request ids on every log line, zod
 * validation, problem+json errors, /healthz, /readyz, /metrics and (optionally) OpenAPI.
 * It never listens; `main.ts` does.
 */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const lifecycle = options.lifecycle ?? createLifecycle();
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    requestIdHeader: false,
    // Probes and scrapes every few seconds would drown the log.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: (req) => QUIET_PATHS.has(req.url) }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Requests that still reach a closing server (pipelined, on a busy keep-alive connection) get the hook's problem below.
    return503OnClosing: false,
    trustProxy: options.trustProxy?.length ? [...options.trustProxy] : false,
  }).withTypeProvider<ZodTypeProvider>() as unknown as HttpApp;

  // Closing: a request that still arrives is refused before anything else runs, as problem+json (Fastify's own 503 is not).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    request.log.info({ method: request.method, url: request.url }, 'request refused: shutting down');
    reply.header('connection', 'close').header('retry-after', '1');
    return sendProblem(reply, {
      type: 'about:blank',
      title: 'Shutting down',
      status: 503,
      code: 'SHUTTING_DOWN',
      detail: `This ${options.name} instance is shutting down; retry in a moment (another instance answers).`,
      instance: request.id,
    });
  });
  // First, so that every route registered after it (the kit's, plugins', the app's) is guarded.
  installRouteGuards(app, options.auth ?? {});
  // After the guards' hook (it fills in plugin routes' guards): documented routes get their shared problems.
  if (options.openapi) app.addHook('onRoute', completeProblemResponses);
  const limit = { max: options.rateLimit?.max ?? 60, timeWindow: options.rateLimit?.timeWindowMs ?? 60_000 };
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (methods.some((m) => !READ_METHODS.has(m)) && route.config?.rateLimit === undefined) route.config = { ...(route.config ?? {}), rateLimit: limit };
  });
  await app.register(fastifyRateLimit, {
    global: false,
    // After authentication (onRequest) and the body: the key is the authenticated caller.
    hook: 'preHandler',
    keyGenerator: (request) => principalOf(request),
    ...(options.rateLimit?.redis ? { redis: options.rateLimit.redis, nameSpace: `dbre-rate:${options.name}:` } : {}),
    // A Redis outage must not stop every write: the limit is skipped (and the error logged by the plugin).
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', 'rate_limited', `Too many changes from this caller: at most ${context.max} per ${Math.round(limit.timeWindow / 1000)} s; retry in ${context.after}.`),
  });
  installIdempotency(app, {
    store: options.idempotency?.redis ? createRedisIdempotencyStore(options.idempotency.redis, `dbre:${options.name}`) : createMemoryIdempotencyStore(),
    service: options.name,
    ...(options.idempotency?.ttlSeconds ? { ttlSeconds: options.idempotency.ttlSeconds } : {}),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const problem = problemFor(err, request);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status, detail: problem.detail }, 'request refused');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: 'about:blank',
      title: 'Not found',
      status: 404,
      code: 'ROUTE_NOT_FOUND',
      detail: `No route ${request.method} ${request.url.split('?')[0]}.`,
      instance: request.id,
    }),
  );

  await app.register(fastifyMetrics, {
    endpoint: '/metrics',
    clearRegisterOnInit: true,
    defaultMetrics: { enabled: true, labels: { service: options.name } },
    routeMetrics: { enabled: true, routeBlacklist: ['/healthz', '/readyz', '/metrics'] },
  });

  if (options.openapi) {
    await app.register(fastifySwagger, {
      openapi: {
        info: { title: options.openapi.title, description: options.openapi.description, version: options.version ?? '0.1.0' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
      transform: openApiTransform,
    });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  }

  app.get('/healthz', { schema: { hide: true }, config: { guard: guards.public } }, async () => ({ status: 'ok', service: options.name }));
  app.get('/readyz', { schema: { hide: true }, config: { guard: guards.public } }, async (_request, reply) => {
    if (lifecycle.draining) {
      return reply.status(503).send({ status: 'draining', service: options.name, checks: {} });
    }
    const result = await runReadinessChecks(options.readiness ?? []);
    const failing = Object.entries(result.checks).filter(([, c]) => !c.ok).map(([name]) => name);
    return reply.status(result.ready ? 200 : 503).send({
      status: result.ready ? 'ready' : 'unavailable',
      service: options.name,
      ...(failing.length ? { failing } : {}),
      checks: result.checks,
    });
  });

  return app;
}
