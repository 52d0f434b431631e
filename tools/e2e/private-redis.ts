import { spawn } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { waitFor } from '@dbre/testing';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * A Redis of this test's own (same settings as the shared one: hz 10, noeviction), for what
 * must never touch the shared server — FLUSHALL above all.
 */
export async function startPrivateRedis(): Promise<{ url: string; close: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--hz', '10', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
  probe.on('error', () => undefined);
  await waitFor(async () => (await probe.ping()) === 'PONG', { what: 'the private redis-server', timeoutMs: 10_000 });
  probe.disconnect();
  return {
    url,
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
