// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- dynalite ships no types; every consumer needs these
/// <reference path="./dynalite.d.ts" />
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface EmbeddedDynalite {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite in this process: in memory, or on disk under `path` (LevelDB) so local data
 * survives restarts. Port 0 picks a free port (tests).
 */
export async function startEmbeddedDynalite(options: { port?: number; host?: string; path?: string } = {}): Promise<EmbeddedDynalite> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
