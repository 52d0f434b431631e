import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from './errors';
import type { HttpApp } from './http-app';

/**
 * Bearer tokens, one per calling tool: `API_TOKENS=slack-bridge=<token>,ops-cli=<token>`.
 * The token says which tool calls; the tool vouches for the person it authenticated, sent as
 * `X-Acting-User` (e-mail). Every audit event records both.
 */
export const apiTokensEnv = z
  .string()
  .min(1)
  .transform((spec, ctx) => {
    const tokens = new Map<string, string>();
    for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
      const eq = entry.indexOf('=');
      const tool = entry.slice(0, eq);
      const token = entry.slice(eq + 1);
      if (eq < 1 || !/^[a-z][a-z0-9-]{1,31}$/.test(tool)) ctx.addIssue({ code: 'custom', message: `entry "${tool || entry.slice(0, 8)}…" must be <tool>=<token>, tool in [a-z0-9-]` });
      else if (token.length < 24) ctx.addIssue({ code: 'custom', message: `the token of ${tool} must be at least 24 characters` });
      else if (tokens.has(tool)) ctx.addIssue({ code: 'custom', message: `tool ${tool} is listed twice` });
      else tokens.set(tool, token);
    }
    return tokens;
  })
  .describe('comma-separated <tool>=<token> pairs, tokens of 24+ characters (e.g. openssl rand -base64 32)');

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The calling tool for a bearer token, or undefined; every token is compared, in constant time. */
export function callerOf(tokens: ReadonlyMap<string, string>, header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  const given = digest(match?.[1] ?? '');
  let caller: string | undefined;
  for (const [tool, token] of tokens) {
    if (timingSafeEqual(given, digest(token)) && match) caller = tool;
  }
  return caller;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: string;
  }
}

/** Requires a valid bearer token on every route under `/v1`. */
export function requireBearer(app: HttpApp, tokens: ReadonlyMap<string, string>): void {
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1/')) return;
    const caller = callerOf(tokens, request.headers.authorization);
    if (!caller) throw new AppError('AUTH_REQUIRED', 'unauthorized', 'A valid bearer token is required (Authorization: Bearer <token of your tool>).');
    request.caller = caller;
  });
}

/** The person acting, vouched for by the calling tool. */
export const actingHeaders = z.object({
  'x-acting-user': z.email('X-Acting-User must be the e-mail of the person acting').max(254).transform((e) => e.toLowerCase()),
  'x-acting-name': z.string().max(200).optional(),
  'x-acting-slack-id': z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'X-Acting-Slack-Id must be a Slack user id').optional(),
});

/** The acting person as the domain's `Actor` expects it. */
export interface ActingPerson {
  email: string;
  slackUserId?: string;
  displayName?: string;
}

export function actorFrom(headers: z.output<typeof actingHeaders>): ActingPerson {
  return {
    email: headers['x-acting-user'],
    ...(headers['x-acting-slack-id'] ? { slackUserId: headers['x-acting-slack-id'] } : {}),
    ...(headers['x-acting-name'] ? { displayName: headers['x-acting-name'] } : {}),
  };
}
