import net from 'node:net';
import { Redis } from 'ioredis';
import { captureLogger, startTestDynamo, testServices, uniqueName, waitFor } from '@dbre/testing';
import { createForwarderBastion, createForwarderHost } from '../src';

/** An echo server standing in for the cluster endpoint. */
async function startEcho(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

async function roundTrip(s: net.Socket, text: string): Promise<string> {
  s.write(text);
  return new Promise((resolve) => s.once('data', (d) => resolve(d.toString())));
}

/** True when a connection is refused or cut straight away. */
async function refused(port: number): Promise<boolean> {
  try {
    const s = await connect(port);
    return await new Promise<boolean>((resolve) => {
      s.on('close', () => resolve(true));
      s.write('x');
      s.once('data', () => {
        s.destroy();
        resolve(false);
      });
    });
  } catch {
    return true;
  }
}

const input = (requestId: string, port: number) => ({
  requestId,
  requester: 'ann@example.com',
  clusterId: 'demo',
  target: { host: '127.0.0.1', port },
  endsAt: new Date(Date.now() + 60_000),
});

describe('the local forwarder bastion', () => {
  let env: Awaited<ReturnType<typeof startTestDynamo>>;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  const redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: null });
  const prefix = uniqueName('fwd');
  beforeAll(async () => {
    env = await startTestDynamo();
    echo = await startEcho();
  });
  afterAll(async () => {
    await echo.close();
    await env.close();
    redis.disconnect();
  });

  it('forwards while open, opens idempotently, and a close from another process cuts live sockets and refuses new ones', async () => {
    const { logger } = captureLogger();
    const host = await createForwarderHost({ dynamo: env.dynamo, logger, redis, prefix, reconcileMs: 60_000 });
    const provisioner = await createForwarderBastion({ dynamo: env.dynamo, host, redis, prefix });
    const reaper = await createForwarderBastion({ dynamo: env.dynamo, redis, prefix }); // no host: another process
    try {
      const handle = await provisioner.open(input('R1', echo.port));
      expect(await provisioner.open(input('R1', echo.port))).toEqual(handle);
      expect(handle.connect.host).toBe('127.0.0.1');
      const s = await connect(handle.connect.port);
      expect(await roundTrip(s, 'hello')).toBe('hello');
      expect(await reaper.list()).toEqual([expect.objectContaining({ bastionId: handle.bastionId, requestId: 'R1' })]);

      const cut = new Promise((r) => s.on('close', r));
      await reaper.close(handle.bastionId);
      await cut; // pub/sub reached the host
      expect(await refused(handle.connect.port)).toBe(true);
      expect(await reaper.list()).toEqual([]);
      await reaper.close(handle.bastionId);
      await reaper.close('fwd-unknown');
      await expect(provisioner.open(input('R1', echo.port))).rejects.toThrow(/never reopened/);
    } finally {
      await host.close();
    }
  });

  it('refuses new connections once the record is closed even without pub/sub, and the reconcile closes the listener', async () => {
    const { logger } = captureLogger();
    const host = await createForwarderHost({ dynamo: env.dynamo, logger, reconcileMs: 100 });
    const provisioner = await createForwarderBastion({ dynamo: env.dynamo, host });
    const reaper = await createForwarderBastion({ dynamo: env.dynamo });
    try {
      const handle = await provisioner.open(input('R2', echo.port));
      await reaper.close(handle.bastionId);
      expect(await refused(handle.connect.port)).toBe(true);
      await waitFor(() => !host.listening().includes(handle.bastionId), { what: 'reconcile closes the listener' });
    } finally {
      await host.close();
    }
  });

  it('reopens open forwarders on the same port after a restart of the host', async () => {
    const { logger } = captureLogger();
    const first = await createForwarderHost({ dynamo: env.dynamo, logger, reconcileMs: 60_000 });
    const handle = await (await createForwarderBastion({ dynamo: env.dynamo, host: first })).open(input('R3', echo.port));
    await first.close();
    expect(await refused(handle.connect.port)).toBe(true);
    const second = await createForwarderHost({ dynamo: env.dynamo, logger, reconcileMs: 60_000 });
    try {
      expect(second.listening()).toContain(handle.bastionId);
      const again = await (await createForwarderBastion({ dynamo: env.dynamo, host: second })).open(input('R3', echo.port));
      expect(again.connect.port).toBe(handle.connect.port);
      const s = await connect(again.connect.port);
      expect(await roundTrip(s, 'back')).toBe('back');
      s.destroy();
    } finally {
      await second.close();
    }
  });
});
