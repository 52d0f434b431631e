import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, httpAccess } from './config';

/**
 * The scopes a bearer token can hold, one catalogue for the whole platform (like the queue
 * catalogue): each route names the one it needs, so a typo in API_SCOPES is caught at start-up
 * and one shared list works on every service (each service checks only the scopes of its routes).
 */
export const API_SCOPES = {
  'requests:create': 'request-api: ask for access, extend or cancel one of your requests',
  'requests:read': 'request-api: read requests and their audit timeline',
  'grants:end': 'request-api: end an active grant now',
  'outbox:read': 'request-api: list the acting person’s notifications',
  'outbox:open': 'request-api: open a notification, including sealed database credentials',
  approve: 'approval-api: approve or deny requests and extensions',
  reviews: 'schema-review: review DDL',
  'docs:crawl': 'doc-crawler: start crawls',
  'docs:read': 'doc-crawler: read crawl runs and history',
  metrics: 'any service: scrape /metrics (when METRICS_ACCESS=token)',
  'api-docs': 'any service: read /docs and /openapi.json (when API_DOCS_ACCESS=token)',
} as const;

export type ApiScope = keyof typeof API_SCOPES;

const TOOL = /^[a-z][a-z0-9-]{1,31}$/;
const isScope = (s: string): s is ApiScope => Object.hasOwn(API_SCOPES, s);

/**
 * Bearer tokens, one per calling tool: `API_TOKENS=slack=<token>,ops-cli=<token>`.
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
      if (eq < 1 || !TOOL.test(tool)) ctx.addIssue({ code: 'custom', message: `entry "${tool || entry.slice(0, 8)}…" must be <tool>=<token>, tool in [a-z0-9-]` });
      else if (token.length < 24) ctx.addIssue({ code: 'custom', message: `the token of ${tool} must be at least 24 characters` });
      else if (tokens.has(tool)) ctx.addIssue({ code: 'custom', message: `tool ${tool} is listed twice` });
      else tokens.set(tool, token);
    }
    return tokens;
  })
  .describe('comma-separated <tool>=<token> pairs, tokens of 24+ characters (e.g. openssl rand -base64 32)');

/** `tool=item,item;tool2=item` → Map<tool, items>, each item checked by `check` (a message or undefined). */
function perToolList(what: string, check: (item: string) => string | undefined) {
  return z.string().transform((spec, ctx) => {
    const out = new Map<string, string[]>();
    for (const entry of spec.split(';').map((e) => e.trim()).filter(Boolean)) {
      const eq = entry.indexOf('=');
      const tool = entry.slice(0, eq).trim();
      if (eq < 1 || !TOOL.test(tool)) {
        ctx.addIssue({ code: 'custom', message: `entry "${entry.slice(0, 20)}" must be <tool>=<${what}>,<${what}>…` });
        continue;
      }
      if (out.has(tool)) ctx.addIssue({ code: 'custom', message: `tool ${tool} is listed twice` });
      const items = entry.slice(eq + 1).split(',').map((s) => s.trim()).filter(Boolean);
      if (!items.length) ctx.addIssue({ code: 'custom', message: `tool ${tool} lists no ${what}` });
      for (const item of items) {
        const problem = check(item);
        if (problem) ctx.addIssue({ code: 'custom', message: `${tool}: ${problem}` });
      }
      out.set(tool, items);
    }
    return out;
  });
}

/** `API_SCOPES=slack=requests:create,requests:read;ops-dashboard=grants:end` */
export const apiScopesEnv = perToolList('scope', (s) => (isScope(s) ? undefined : `unknown scope "${s.slice(0, 40)}" (known: ${Object.keys(API_SCOPES).join(', ')})`)).describe(
  'per tool, the scopes its token holds: <tool>=<scope>,<scope>;<tool>=… (scopes: ' + Object.keys(API_SCOPES).join(', ') + ')',
);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^@[a-z0-9.-]+\.[a-z]{2,}$/;

/** `API_ACT_FOR=slack=*;ops-dashboard=group:dbre;ci=@example.com,bot@example.com` */
export const apiActForEnv = perToolList('person', (p) =>
  p === '*' || /^group:[A-Za-z0-9_-]{1,64}$/.test(p) || DOMAIN.test(p.toLowerCase()) || EMAIL.test(p)
    ? undefined
    : `"${p.slice(0, 40)}" is not *, group:<name>, @<domain> or an e-mail`,
).describe('per tool, whom it may act for in X-Acting-User: <tool>=*|group:<name>|@<domain>|<e-mail>,…;<tool>=…');

/** The environment fragment of a service that authenticates tools. */
export const apiClientsEnv = {
  API_TOKENS: apiTokensEnv,
  API_SCOPES: apiScopesEnv.optional(),
  API_ACT_FOR: apiActForEnv.optional(),
};

/** Same, for services where tokens are needed only when /metrics or /docs are protected. */
export const optionalApiClientsEnv = {
  API_TOKENS: apiTokensEnv.optional(),
  API_SCOPES: apiScopesEnv.optional(),
  API_ACT_FOR: apiActForEnv.optional(),
};

export interface ApiClientsConfig {
  API_TOKENS?: ReadonlyMap<string, string> | undefined;
  API_SCOPES?: ReadonlyMap<string, readonly string[]> | undefined;
  API_ACT_FOR?: ReadonlyMap<string, readonly string[]> | undefined;
}

/** Cross-checks the three variables (a zod superRefine for the app's config schema). */
export function checkApiClients(c: ApiClientsConfig & { HOST?: string; METRICS_ACCESS?: 'public' | 'token' | undefined; API_DOCS_ACCESS?: 'public' | 'token' | undefined }, ctx: z.RefinementCtx): void {
  const tokens = c.API_TOKENS ?? new Map<string, string>();
  if (c.HOST !== undefined && tokens.size === 0) {
    const access = httpAccess({ ...c, HOST: c.HOST });
    if (access.metrics === 'token') ctx.addIssue({ code: 'custom', path: ['API_TOKENS'], message: 'METRICS_ACCESS is token (the default off loopback): give the scraper a token with scope metrics in API_TOKENS/API_SCOPES, or set METRICS_ACCESS=public' });
  }
  for (const tool of tokens.keys()) {
    if (!c.API_SCOPES?.has(tool)) ctx.addIssue({ code: 'custom', path: ['API_SCOPES'], message: `tool ${tool} has a token in API_TOKENS but no scopes: add ${tool}=<scope>,… (or remove its token)` });
  }
  for (const tool of c.API_SCOPES?.keys() ?? []) {
    if (!tokens.has(tool)) ctx.addIssue({ code: 'custom', path: ['API_SCOPES'], message: `tool ${tool} has scopes but no token in API_TOKENS` });
  }
  for (const tool of c.API_ACT_FOR?.keys() ?? []) {
    if (!tokens.has(tool)) ctx.addIssue({ code: 'custom', path: ['API_ACT_FOR'], message: `tool ${tool} may act for people but has no token in API_TOKENS` });
  }
}

/** One calling tool: its token, what it may do and for whom. */
export interface ApiClient {
  tool: string;
  scopes: ReadonlySet<string>;
  /** Whether the tool may act for this person (e-mail, lower-case; Slack id when sent). */
  mayActFor(email: string, slackUserId?: string): boolean;
}

export interface ApiClients {
  /** The tool of a bearer `Authorization` header, or undefined; every token is compared, in constant time. */
  authenticate(authorization: string | undefined): ApiClient | undefined;
  /** The token of a tool (the Slack routes call the REST routes in-process as the `slack` tool). */
  tokenOf(tool: string): string | undefined;
  tools(): string[];
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The calling tools of one service. `groups` resolves `group:<name>` in API_ACT_FOR (the access
 * policy's groups: e-mails or Slack user ids); an unknown group is a configuration error. A
 * service given no groups has no acting routes: group entries match nobody there.
 */
export function createApiClients(config: ApiClientsConfig, options: { groups?: Readonly<Record<string, readonly string[]>> } = {}): ApiClients {
  const problems: string[] = [];
  const entries: Array<{ token: Buffer; raw: string; client: ApiClient }> = [];
  for (const [tool, token] of config.API_TOKENS ?? []) {
    const scopes = new Set(config.API_SCOPES?.get(tool) ?? []);
    const people = config.API_ACT_FOR?.get(tool) ?? [];
    const any = people.includes('*');
    const emails = new Set(people.filter((p) => EMAIL.test(p) && !p.startsWith('@')).map((p) => p.toLowerCase()));
    const domains = people.filter((p) => p.startsWith('@')).map((p) => p.toLowerCase());
    const members = new Set<string>();
    for (const p of people.filter((x) => x.startsWith('group:'))) {
      const name = p.slice('group:'.length);
      // A service that reads no access policy (no acting routes) matches no group member: refused, never an error.
      if (!options.groups) continue;
      const group = Object.hasOwn(options.groups, name) ? options.groups[name] : undefined;
      if (!group) problems.push(`API_ACT_FOR: ${tool} names group ${name}, which the platform file's access.groups does not define`);
      for (const m of group ?? []) members.add(m.startsWith('U') || m.startsWith('W') ? m : m.toLowerCase());
    }
    const client: ApiClient = {
      tool,
      scopes,
      mayActFor(email, slackUserId) {
        const e = email.toLowerCase();
        return any || emails.has(e) || members.has(e) || (slackUserId !== undefined && members.has(slackUserId)) || domains.some((d) => e.endsWith(d));
      },
    };
    entries.push({ token: digest(token), raw: token, client });
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    authenticate(authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
      const given = digest(match?.[1] ?? '');
      let found: ApiClient | undefined;
      for (const e of entries) if (timingSafeEqual(given, e.token) && match) found = e.client;
      return found;
    },
    tokenOf: (tool) => entries.find((e) => e.client.tool === tool)?.raw,
    tools: () => entries.map((e) => e.client.tool),
  };
}

/** Clients from a plain description (tests, tools): `{ tool: { token, scopes, actFor } }`. */
export function apiClientsOf(tools: Record<string, { token: string; scopes: readonly ApiScope[]; actFor?: readonly string[] }>, options: { groups?: Readonly<Record<string, readonly string[]>> } = {}): ApiClients {
  const entries = Object.entries(tools);
  return createApiClients(
    {
      API_TOKENS: new Map(entries.map(([tool, t]) => [tool, t.token])),
      API_SCOPES: new Map(entries.map(([tool, t]) => [tool, t.scopes])),
      API_ACT_FOR: new Map(entries.filter(([, t]) => t.actFor).map(([tool, t]) => [tool, t.actFor ?? []])),
    },
    options,
  );
}
