import type { RouteOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { $ZodType } from 'zod/v4/core';
import type { RouteGuard } from './route-guard';

/**
 * What the OpenAPI document says a route answers, from one place: a 2xx body with an example,
 * and every refusal as `application/problem+json` with the codes the route can return. The
 * codes every route shares (authentication, validation, rate limit, idempotency, 500) are added
 * by the kit from the route's own declaration (guard, method, schemas), the codes of the route's
 * own steps are listed by the route with `problems()`.
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** HTTP statuses a refusal may have (the error handler maps kinds to these). */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

/** Per status, each code the route may return with a realistic `detail` (the example). */
export type ProblemCodes = Partial<Record<ProblemStatus, Record<string, string>>>;

const CODES = Symbol.for('dbre.problemCodes');

export interface ProblemResponse {
  description: string;
  content: { [PROBLEM_CONTENT_TYPE]: { schema: Record<string, unknown>; example: Record<string, unknown> } };
  [CODES]?: Record<string, string>;
}

const TITLES: Record<ProblemStatus, string> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  409: 'conflict',
  413: 'too large',
  415: 'unsupported media type',
  422: 'unprocessable',
  429: 'rate limited',
  500: 'Internal error',
  503: 'unavailable',
};

const DESCRIPTIONS: Record<ProblemStatus, string> = {
  400: 'The request is malformed or a field is invalid (each field named in `errors`)',
  401: 'No valid credentials',
  403: 'Authenticated, but not allowed to do this',
  404: 'Not found',
  409: 'The state of things does not allow it now',
  413: 'The body is too large',
  415: 'The body is not JSON',
  422: 'Understood, but cannot be done as asked',
  429: 'Too many changes from this caller',
  500: 'The service failed; the error is logged with the request id in `instance`',
  503: 'A dependency is busy or unreachable; retry later',
};

/** The title the kit's error handler gives (http-app.ts problemFor). */
function titleOf(status: ProblemStatus, code: string): string {
  if (code === 'REQUEST_INVALID') return 'Invalid request';
  if (code === 'PAYLOAD_TOO_LARGE') return 'Payload too large';
  if (code.startsWith('FST_')) return 'Bad request';
  return TITLES[status];
}

const EXAMPLE_INSTANCE = '4f6c2a9e-1d2b-4c1e-9a51-7d0b8e3f2c10';

function problemResponse(status: ProblemStatus, codes: Record<string, string>): ProblemResponse {
  const [firstCode, firstDetail] = Object.entries(codes)[0] ?? ['INTERNAL', ''];
  const schema = {
    type: 'object',
    description: 'RFC 9457 problem details; `code` is stable, `detail` is for a person',
    required: ['type', 'title', 'status', 'code', 'detail'],
    properties: {
      type: { type: 'string', example: 'about:blank' },
      title: { type: 'string' },
      status: { type: 'integer', enum: [status] },
      code: { type: 'string', enum: Object.keys(codes), description: 'what went wrong, for programs' },
      detail: { type: 'string', description: 'what went wrong and what to do, for people (never a secret; 5xx details never carry internals)' },
      instance: { type: 'string', description: 'the request id (also in the x-request-id header and the logs)' },
      errors: {
        type: 'array',
        description: 'validation failures (REQUEST_INVALID): one per field',
        items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
      },
    },
    additionalProperties: true,
  };
  const example: Record<string, unknown> = { type: 'about:blank', title: titleOf(status, firstCode), status, code: firstCode, detail: firstDetail, instance: EXAMPLE_INSTANCE };
  if (firstCode === 'REQUEST_INVALID') example['errors'] = [{ path: firstDetail.split(':')[0] ?? 'body', message: firstDetail.split(': ').slice(1).join(': ') }];
  return {
    description: `${DESCRIPTIONS[status]}. Codes: ${Object.keys(codes).join(', ')}`,
    content: { [PROBLEM_CONTENT_TYPE]: { schema, example } },
    [CODES]: codes,
  };
}

/**
 * The refusals of a route's own steps, for `schema.response`:
 * `...problems({ 404: { REQUEST_NOT_FOUND: 'There is no access request 01J….' } })`.
 * The kit adds the shared ones (see `sharedProblems`).
 */
export function problems(codes: ProblemCodes): Partial<Record<ProblemStatus, ProblemResponse>> {
  const out: Partial<Record<ProblemStatus, ProblemResponse>> = {};
  for (const [status, byCode] of Object.entries(codes) as Array<[`${ProblemStatus}`, Record<string, string>]>) {
    out[Number(status) as ProblemStatus] = problemResponse(Number(status) as ProblemStatus, byCode);
  }
  return out;
}

/** The codes any route returns given its guard, method and schemas (service-kit raises them itself). */
export function sharedProblems(route: { method: string | string[]; guard?: RouteGuard | undefined; idempotent?: boolean | undefined; schema?: Record<string, unknown> | undefined }): ProblemCodes {
  const codes: ProblemCodes = {};
  const add = (status: ProblemStatus, code: string, detail: string) => {
    codes[status] = { ...(codes[status] ?? {}), [code]: detail };
  };
  const schema = route.schema ?? {};
  const write = [route.method].flat().some((m) => !['GET', 'HEAD', 'OPTIONS'].includes(m));
  const validated = (['body', 'querystring', 'params', 'headers'] as const).find((part) => schema[part]);
  if (validated) add(400, 'REQUEST_INVALID', `${validated}: Invalid input: expected object, received undefined`);
  if (schema['body']) {
    add(400, 'FST_ERR_CTP_EMPTY_JSON_BODY', "Body cannot be empty when content-type is set to 'application/json'");
    add(400, 'FST_ERR_CTP_INVALID_JSON_BODY', "Body is not valid JSON but content-type is set to 'application/json'");
    add(413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than the 1048576 bytes accepted.');
    add(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type: text/plain');
  }
  if (route.idempotent) {
    add(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 8-128 characters of letters, digits and . _ : - (e.g. a UUID).');
    add(409, 'IDEMPOTENCY_KEY_IN_FLIGHT', 'A request with this Idempotency-Key is still running; retry in a moment.');
    add(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request; use a new key for a new request.');
  }
  if (route.guard?.kind === 'bearer') {
    add(401, 'AUTH_REQUIRED', 'A valid bearer token is required (Authorization: Bearer <token of your tool>).');
    add(403, 'SCOPE_MISSING', `The token of ci-pipeline does not hold the scope "${route.guard.scope}" this route needs (API_SCOPES).`);
    add(403, 'ACT_FOR_REFUSED', 'ci-pipeline may not act for alice@example.com (API_ACT_FOR).');
  }
  if (write) add(429, 'RATE_LIMITED', 'Too many changes from this caller: at most 60 per 60 s; retry in 12 seconds.');
  add(500, 'INTERNAL', 'The service failed; the error is logged with this request id.');
  return codes;
}

/**
 * The 2xx body of a route, documented with a description and an example. `serialize: 'zod'`
 * (default) keeps the zod schema, which then also serializes the answer (unknown fields are
 * dropped, a mismatch is a 500). `serialize: 'as-is'` documents the JSON schema of the zod
 * schema's output and sends the handler's value unchanged: for domain schemas with input
 * transforms (lower-casing e-mails), which zod 4 refuses to encode.
 */
export function okResponse<T extends z.ZodType>(schema: T, doc: { description: string; example: z.output<T>; serialize?: 'zod' }): T;
export function okResponse(schema: z.ZodType, doc: { description: string; example: unknown; serialize: 'as-is' }): Record<string, unknown>;
export function okResponse(schema: z.ZodType, doc: { description: string; example: unknown; serialize?: 'zod' | 'as-is' }): z.ZodType | Record<string, unknown> {
  if (doc.serialize === 'as-is') {
    const json = z.toJSONSchema(schema, { io: 'output', target: 'openapi-3.0', unrepresentable: 'any' }) as Record<string, unknown>;
    delete json['$schema'];
    return { ...json, description: doc.description, examples: [doc.example] };
  }
  return schema.meta({ description: doc.description, examples: [doc.example] });
}

const isZod = (value: unknown): value is $ZodType => value instanceof $ZodType;

function isZodResponse(entry: unknown): boolean {
  if (isZod(entry)) return true;
  const content = (entry as { content?: Record<string, { schema?: unknown }> } | null)?.content;
  return !!content && Object.values(content).some((c) => isZod(c.schema));
}

/**
 * Serializes zod 2xx schemas with zod (as before); everything else (problem+json, `as-is` JSON
 * schemas) is documentation only and sent as the handler built it.
 */
export function serializerCompiler(route: { schema: unknown; method: string; url: string; httpStatus?: string; httpPart?: string }): (data: unknown) => string {
  if (Number(route.httpStatus) >= 400 || !isZod(route.schema)) return (data) => JSON.stringify(data);
  return zodSerializerCompiler(route as Parameters<typeof zodSerializerCompiler>[0]);
}

/** jsonSchemaTransform for zod parts; plain JSON schema responses (problems, `as-is`) pass through. */
export const openApiTransform: typeof jsonSchemaTransform = (document) => {
  const response = (document.schema as { response?: Record<string, unknown> } | undefined)?.response;
  if (!response) return jsonSchemaTransform(document);
  const zodResponses: Record<string, unknown> = {};
  const plain: Record<string, unknown> = {};
  for (const [status, entry] of Object.entries(response)) (isZodResponse(entry) ? zodResponses : plain)[status] = entry;
  const out = jsonSchemaTransform({ ...document, schema: { ...document.schema, response: zodResponses } } as typeof document);
  if (!out.schema || (out.schema as { hide?: boolean }).hide) return out;
  const merged = { ...((out.schema as { response?: Record<string, unknown> }).response ?? {}), ...plain };
  const ordered = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
  return { ...out, schema: { ...out.schema, response: ordered } };
};

/**
 * `onRoute`: completes a documented route's responses with the shared problems, merged per status
 * with the route's own `problems()`. Routes hidden from the document are left alone.
 */
export function completeProblemResponses(route: RouteOptions): void {
  const schema = route.schema as (Record<string, unknown> & { hide?: boolean; response?: Record<string, unknown> }) | undefined;
  if (!schema || schema.hide) return;
  const config = (route.config ?? {}) as { guard?: RouteGuard; idempotent?: boolean };
  const shared = sharedProblems({ method: route.method, guard: config.guard, idempotent: config.idempotent, schema });
  const response: Record<string, unknown> = { ...(schema.response ?? {}) };
  const statuses = new Set([...Object.keys(shared), ...Object.keys(response).filter((s) => Number(s) >= 400)]);
  for (const status of statuses) {
    const own = (response[status] as ProblemResponse | undefined)?.[CODES] ?? {};
    // The route's own codes (and its example) first, then the shared ones it did not restate.
    const merged = { ...own };
    for (const [code, detail] of Object.entries(shared[Number(status) as ProblemStatus] ?? {})) if (!(code in merged)) merged[code] = detail;
    response[status] = problemResponse(Number(status) as ProblemStatus, merged);
  }
  route.schema = { ...schema, response };
}
