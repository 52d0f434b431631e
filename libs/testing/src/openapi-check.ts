import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Checks of a service's OpenAPI document (what @fastify/swagger emits at /docs/json), written
 * so that a route someone adds without documentation fails with a message naming it:
 * `POST /v1/x: no 2xx response with a schema and an example`.
 */

type Json = Record<string, unknown>;
interface Media {
  schema?: Json;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}
interface Operation {
  summary?: string;
  requestBody?: { content?: Record<string, Media> };
  security?: unknown[];
  responses?: Record<string, { description?: string; content?: Record<string, Media> }>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: Json;
}

const PROBLEM = 'application/problem+json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** OpenAPI 3.0 schema -> JSON Schema draft 7 for ajv: boolean exclusive bounds become numbers. */
function toDraft7(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toDraft7);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema as Json)) out[k] = k === 'example' || k === 'examples' || k === 'enum' || k === 'const' ? v : toDraft7(v);
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (out[flag] === true) {
      out[flag] = out[bound];
      delete out[bound];
    } else if (out[flag] === false) delete out[flag];
  }
  if (typeof out['$ref'] === 'string') out['$ref'] = `openapi.json${out['$ref']}`;
  return out;
}

/** Validators of one document's schemas (components resolved). */
export function createOpenApiValidator(doc: OpenApiDocument) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ components: toDraft7(doc.components ?? {}) }, 'openapi.json');
  const cache = new Map<Json, ValidateFunction>();
  const compile = (schema: Json): ValidateFunction => {
    let fn = cache.get(schema);
    if (!fn) {
      fn = ajv.compile(toDraft7(schema) as Json);
      cache.set(schema, fn);
    }
    return fn;
  };
  /** Problems with `value` against `schema`, as `path message` lines; empty when it validates. */
  const errorsOf = (schema: Json, value: unknown): string[] => {
    const fn = compile(schema);
    return fn(value) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  };

  /** The documented response of a route for a status and content type. */
  function documented(method: string, route: string, status: number, contentType: string): Json | undefined {
    const op = doc.paths[route]?.[method.toLowerCase()];
    return op?.responses?.[String(status)]?.content?.[contentType]?.schema;
  }

  /**
   * Validates a real answer against the document. `route` is the OpenAPI path
   * (`/v1/access-requests/{id}`). Returns what disagrees, empty when the answer is documented.
   */
  function checkAnswer(method: string, route: string, answer: { statusCode: number; headers: Record<string, unknown>; body: string }): string[] {
    const contentType = String(answer.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const schema = documented(method, route, answer.statusCode, contentType);
    if (!schema) return [`${method.toUpperCase()} ${route}: answered ${answer.statusCode} ${contentType}, which the document does not describe`];
    return errorsOf(schema, JSON.parse(answer.body)).map((e) => `${method.toUpperCase()} ${route} ${answer.statusCode}: ${e}`);
  }

  return { errorsOf, documented, checkAnswer };
}

function examplesOf(media: Media): unknown[] {
  if (media.example !== undefined) return [media.example];
  return Object.values(media.examples ?? {}).map((e) => e.value);
}

/**
 * Every operation: a summary; a request body example that validates; a 2xx JSON response with a schema and an example that validates
 * against it; errors only as problem+json, each with its `code` enumerated and a valid example;
 * routes needing a token document 401 and 403; every route documents 500.
 * Returns one line per finding, each naming the route.
 */
export function checkOpenApiDocument(doc: OpenApiDocument): string[] {
  const findings: string[] = [];
  const { errorsOf } = createOpenApiValidator(doc);
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const name = `${method.toUpperCase()} ${route}`;
      const say = (problem: string) => findings.push(`${name}: ${problem}`);
      if (!op.summary?.trim()) say('no summary (schema.summary)');
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        const examples = examplesOf(media);
        if (!examples.length) say(`request body ${type}: no example (body: schema.meta({ examples: [...] }))`);
        for (const example of examples) for (const e of media.schema ? errorsOf(media.schema, example) : []) say(`request body ${type}: the example does not match the schema: ${e}`);
      }
      const responses = Object.entries(op.responses ?? {});
      const ok = responses.filter(([status]) => /^2\d\d$/.test(status));
      if (!ok.some(([, r]) => r.content?.['application/json']?.schema && examplesOf(r.content['application/json']).length)) {
        say('no 2xx response with a schema and an example (schema.response: { 200: okResponse(schema, { description, example }) })');
      }
      for (const [status, r] of responses) {
        if (!r.description || r.description === 'Default Response') say(`${status}: no description`);
        const error = Number(status) >= 400;
        for (const [type, media] of Object.entries(r.content ?? {})) {
          if (error && type !== PROBLEM) say(`${status}: an error must be ${PROBLEM}, documented as ${type}`);
          if (!media.schema) {
            say(`${status} ${type}: no schema`);
            continue;
          }
          const examples = examplesOf(media);
          if (!examples.length) say(`${status} ${type}: no example`);
          for (const example of examples) for (const e of errorsOf(media.schema, example)) say(`${status} ${type}: the example does not match the schema: ${e}`);
          if (error) {
            const code = (media.schema['properties'] as Json | undefined)?.['code'] as Json | undefined;
            if (!Array.isArray(code?.['enum']) || !(code['enum'] as unknown[]).length) say(`${status}: the problem's codes are not enumerated (use problems({ ${status}: { CODE: 'detail' } }))`);
          }
        }
        if (error && !r.content?.[PROBLEM]) say(`${status}: no ${PROBLEM} body documented`);
      }
      const statuses = new Set(responses.map(([s]) => s));
      if (op.security?.length && !(statuses.has('401') && statuses.has('403'))) say('needs a token but does not document 401 and 403');
      if (!statuses.has('500')) say('does not document 500');
    }
  }
  return findings;
}
