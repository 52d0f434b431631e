import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, waitFor } from '@dbre/testing';

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
