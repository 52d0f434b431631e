import { z } from 'zod';

/** Raised when environment variables do not match an app's schema; lists every bad variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/**
 * Parses environment variables with a zod object schema. Every field may carry `.describe()`
 * text, which is repeated in the error so an operator knows what is expected.
 */
export function parseConfig<S extends z.ZodObject>(schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(environment)';
    const field = schema.shape[issue.path[0] as string] as z.ZodType | undefined;
    const expects = field?.description ? ` (expected: ${field.description})` : '';
    const got = typeof issue.path[0] === 'string' && env[issue.path[0]] === undefined ? 'missing' : issue.message;
    return `${key}: ${got}${expects}`;
  });
  throw new ConfigError(problems);
}

/** For `main.ts`: parse or print the list of problems and exit non-zero. */
export function loadConfigOrExit<S extends z.ZodObject>(
  schema: S,
  env: Env,
  io: { exit: (code: number) => never; stderr: (text: string) => void } = {
    exit: (code) => process.exit(code),
    stderr: (text) => process.stderr.write(text),
  },
): z.output<S> {
  try {
    return parseConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`${err.message}\n`);
      return io.exit(1);
    }
    throw err;
  }
}

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Small helpers so app schemas read the same everywhere. */
export const env = {
  port: (fallback: number) =>
    z.coerce.number().int().min(0).max(65535).default(fallback).describe('a TCP port, 0-65535'),
  host: (fallback = '127.0.0.1') => z.string().min(1).default(fallback).describe('an interface address, e.g. 0.0.0.0'),
  bool: (fallback: boolean) => booleanString.default(fallback).describe('true or false'),
  ms: (fallback: number) => z.coerce.number().int().min(0).default(fallback).describe('milliseconds, an integer'),
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback).describe(`an integer >= ${min}`),
  url: (what: string) => z.url().describe(what),
  logLevel: () =>
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('a pino level: fatal|error|warn|info|debug|trace|silent'),
};

/** Variables every service reads: logging, its own port, shutdown deadline. */
export const serviceEnv = {
  LOG_LEVEL: env.logLevel(),
  LOG_PRETTY: z
    .enum(['auto', 'true', 'false'])
    .default('auto')
    .describe('auto (pretty on a TTY outside production), true or false'),
  HOST: env.host(),
  SHUTDOWN_TIMEOUT_MS: env.ms(10_000),
  METRICS_ACCESS: z.enum(['public', 'token']).optional().describe('public or token (scope metrics); default public when HOST is a loopback address, token otherwise'),
  API_DOCS_ACCESS: z.enum(['public', 'token']).optional().describe('public or token (scope api-docs) for /docs and /openapi.json; default as METRICS_ACCESS'),
  RATE_LIMIT_WRITES: env.int(60, 1).describe('write requests (POST…) one caller may make per RATE_LIMIT_WINDOW_MS, an integer >= 1'),
  RATE_LIMIT_WINDOW_MS: env.int(60_000, 1000).describe('the rate-limit window, ms'),
};

/** What main.ts hands buildApp about its HTTP side: who reads /metrics and /docs, the write limit. */
export interface HttpPolicy {
  metrics: 'public' | 'token';
  apiDocs: 'public' | 'token';
  writeLimit?: { max: number; timeWindowMs: number };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Who may read /metrics and /docs: open on a loopback-only service (local), protected otherwise (AWS). */
export function httpAccess(config: {
  HOST: string;
  METRICS_ACCESS?: 'public' | 'token' | undefined;
  API_DOCS_ACCESS?: 'public' | 'token' | undefined;
  RATE_LIMIT_WRITES?: number | undefined;
  RATE_LIMIT_WINDOW_MS?: number | undefined;
}): HttpPolicy {
  const fallback = LOOPBACK.test(config.HOST) ? 'public' : 'token';
  return {
    metrics: config.METRICS_ACCESS ?? fallback,
    apiDocs: config.API_DOCS_ACCESS ?? fallback,
    ...(config.RATE_LIMIT_WRITES ? { writeLimit: { max: config.RATE_LIMIT_WRITES, timeWindowMs: config.RATE_LIMIT_WINDOW_MS ?? 60_000 } } : {}),
  };
}
