import type { HttpApp } from './http-app';
import type { Logger } from 'pino';
import type { Lifecycle } from './lifecycle';
import { listen } from './listen';
import { installShutdown, type ShutdownStep } from './shutdown';

/**
 * Listens, then installs the shutdown sequence: first `stopWork` (workers stop taking jobs and
 * finish the active one), then the HTTP server (in-flight requests finish), then `close`
 * (queues, Redis, databases).
 */
export async function startService(options: {
  app: HttpApp;
  host: string;
  port: number;
  logger: Logger;
  lifecycle: Lifecycle;
  shutdownTimeoutMs: number;
  stopWork?: readonly ShutdownStep[];
  close?: readonly ShutdownStep[];
}): Promise<string> {
  const url = await listen(options.app, { host: options.host, port: options.port });
  installShutdown({
    logger: options.logger,
    lifecycle: options.lifecycle,
    timeoutMs: options.shutdownTimeoutMs,
    steps: [...(options.stopWork ?? []), { name: 'http', run: () => options.app.close() }, ...(options.close ?? [])],
  });
  options.logger.info({ url }, 'listening');
  return url;
}
