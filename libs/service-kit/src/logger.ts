import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, at any of the first four levels of nesting. */
export const SECRET_KEYS = [
  'password',
  'passwd',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'botToken',
  'apiKey',
  'secret',
  'secretValue',
  'SecretString',
  'signingSecret',
  'authorization',
  'Authorization',
  'cookie',
  'credentials',
  'x-slack-signature',
  'encryptionKey',
  'privateKey',
];

export function redactPaths(keys: readonly string[] = SECRET_KEYS): string[] {
  const prefixes = ['', '*.', '*.*.', '*.*.*.'];
  const quote = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`);
  return prefixes.flatMap((p) =>
    keys.map((k) => {
      const q = quote(k);
      return q.startsWith('[') ? `${p.replace(/\.$/, '')}${q}` : `${p}${q}`;
    }),
  );
}

export interface LoggerConfig {
  name: string;
  level?: string;
  /** 'auto' = pretty when stdout is a TTY and NODE_ENV is not production. */
  pretty?: 'auto' | 'true' | 'false' | boolean;
  /** Where JSON lines go; tests pass a stream to read them. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level ?? 'info',
    redact: { paths: redactPaths(), censor: '[redacted]' },
    base: { service: config.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const pretty =
    config.pretty === true ||
    config.pretty === 'true' ||
    ((config.pretty ?? 'auto') === 'auto' && process.stdout.isTTY && process.env['NODE_ENV'] !== 'production');
  if (pretty && !config.destination) {
    // pino-pretty as an in-process stream (not a worker transport), so bundled apps can use it.
    const pinoPretty = require('pino-pretty') as (opts: object) => NodeJS.WritableStream;
    return pino(options, pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }));
  }
  return config.destination ? pino(options, config.destination) : pino(options);
}
