import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createDynamo, ensureTables, startEmbeddedDynalite, type Dynamo } from '@dbre/store';
import { createLogger, type Logger } from '@dbre/service-kit';

/** Real services the tests talk to; CI starts them (tools/local-stack/ensure-services.sh). */
export const testServices = {
  redisUrl: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  mysql: {
    host: process.env['TEST_MYSQL_HOST'] ?? '127.0.0.1',
    port: Number(process.env['TEST_MYSQL_PORT'] ?? 3306),
    user: process.env['TEST_MYSQL_USER'] ?? 'root',
    password: process.env['TEST_MYSQL_PASSWORD'] ?? '',
  },
};

/** A short random name part, safe in queue prefixes, table prefixes and database names. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** An in-process dynalite with every platform table under a random prefix. */
export async function startTestDynamo(): Promise<{ dynamo: Dynamo; endpoint: string; close: () => Promise<void> }> {
  const server = await startEmbeddedDynalite({ port: 0 });
  const dynamo = createDynamo({ endpoint: server.endpoint, region: 'us-east-1', tablePrefix: `${uniqueName('t')}-` });
  await ensureTables(dynamo);
  return {
    dynamo,
    endpoint: server.endpoint,
    close: async () => {
      dynamo.close();
      await server.close();
    },
  };
}

/** A logger whose JSON lines are kept for assertions. */
export function captureLogger(name = 'test', level = 'debug'): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ name, level, pretty: false, destination });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Polls until `probe` returns a truthy value; for state that changes in another process. */
export async function waitFor<T>(probe: () => Promise<T> | T, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
}

/** A TCP port free on 127.0.0.1 right now, for a child process that must be told its port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
