import type { HttpApp } from './http-app';

/** Listens with explicit server timeouts; returns the base URL actually bound (port 0 = any). */
export async function listen(app: HttpApp, options: { host: string; port: number }): Promise<string> {
  app.server.requestTimeout = 30_000;
  app.server.headersTimeout = 10_000;
  app.server.keepAliveTimeout = 5_000;
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
}
