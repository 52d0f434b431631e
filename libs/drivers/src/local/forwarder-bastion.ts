import net from 'node:net';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Redis } from 'ioredis';
import type { Logger } from '@dbre/service-kit';
import type { Dynamo } from '@dbre/store';
import type { Bastion, BastionHandle, BastionInfo, BastionOpenInput } from '../ports';
import { ensureLocalTables, localTableName } from './local-tables';

/**
 * The local Bastion: a TCP forwarder on 127.0.0.1 to the cluster endpoint, one per grant.
 *
 * The store is the truth (`local-bastions` table); a forwarder host (in the provisioner
 * process) listens for the `open` records and reconciles: it closes a listener — destroying
 * every socket through it — as soon as its record is closed (Redis pub/sub for promptness, a
 * periodic scan as the guarantee) and reopens the open ones after a restart. Every new
 * connection re-reads the record, so a closed bastion never lets anyone in again.
 */

export interface ForwarderRecord {
  id: string;
  requestId: string;
  requester: string;
  clusterId: string;
  targetHost: string;
  targetPort: number;
  port?: number;
  state: 'open' | 'closed';
  createdAt: string;
  endsAt: string;
  closedAt?: string;
}

export function forwarderId(requestId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(requestId)) throw new Error(`request id ${JSON.stringify(requestId)} is not a plain id`);
  return `fwd-${requestId}`;
}

export function bastionChannel(prefix: string): string {
  return `${prefix}:local-bastions`;
}

interface Listener {
  server: net.Server;
  sockets: Set<net.Socket>;
  port: number;
}

export interface ForwarderHost {
  /** Listens for an open record (idempotent); returns the port. */
  ensure(record: ForwarderRecord): Promise<number>;
  /** Closes a listener and destroys every socket through it. */
  stop(bastionId: string): void;
  /** One pass: open what is open in the store, close what is not. */
  reconcile(): Promise<void>;
  /** Ids listening in this process. */
  listening(): string[];
  /** Stops reconciling and closes every listener (records stay: a restart reopens them). */
  close(): Promise<void>;
}

async function getRecord(dynamo: Dynamo, id: string): Promise<ForwarderRecord | undefined> {
  const out = await dynamo.doc.send(new GetCommand({ TableName: localTableName(dynamo, 'bastions'), Key: { id }, ConsistentRead: true }));
  return out.Item as ForwarderRecord | undefined;
}

async function scanRecords(dynamo: Dynamo): Promise<ForwarderRecord[]> {
  const records: ForwarderRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.doc.send(new ScanCommand({ TableName: localTableName(dynamo, 'bastions'), ExclusiveStartKey: start, ConsistentRead: true }));
    records.push(...((out.Items ?? []) as ForwarderRecord[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return records;
}

function listenOn(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export async function createForwarderHost(deps: {
  dynamo: Dynamo;
  logger: Logger;
  /** Subscribes on a duplicate of this connection for prompt close events. */
  redis?: Redis;
  prefix?: string;
  reconcileMs?: number;
}): Promise<ForwarderHost> {
  await ensureLocalTables(deps.dynamo, ['bastions']);
  const table = localTableName(deps.dynamo, 'bastions');
  const listeners = new Map<string, Listener>();
  const pending = new Map<string, Promise<number>>();
  const log = deps.logger.child({ component: 'forwarder-host' });
  let closed = false;

  function stop(id: string): void {
    const l = listeners.get(id);
    if (!l) return;
    listeners.delete(id);
    l.server.close();
    for (const s of l.sockets) s.destroy();
    log.info({ bastionId: id, port: l.port, cut: l.sockets.size / 2 }, 'forwarder closed');
  }

  async function start(record: ForwarderRecord): Promise<number> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      client.pause();
      sockets.add(client);
      client.on('error', () => client.destroy()).on('close', () => sockets.delete(client));
      // The store decides: a record closed by another process lets nobody in, even before the listener is gone.
      getRecord(deps.dynamo, record.id).then(
        (current) => {
          if (client.destroyed) return;
          if (current?.state !== 'open' || !listeners.has(record.id)) return client.destroy();
          const upstream = net.connect(record.targetPort, record.targetHost);
          sockets.add(upstream);
          const drop = () => {
            client.destroy();
            upstream.destroy();
          };
          upstream.on('error', drop).on('close', () => {
            sockets.delete(upstream);
            drop();
          });
          client.on('close', drop);
          client.pipe(upstream).pipe(client);
          client.resume();
        },
        () => client.destroy(),
      );
    });
    server.on('error', (err) => log.warn({ bastionId: record.id, err: { message: err.message } }, 'forwarder error'));
    let port: number;
    try {
      port = await listenOn(server, record.port ?? 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || record.port === undefined) throw err;
      log.warn({ bastionId: record.id, port: record.port }, 'recorded forwarder port is taken; listening on a new one');
      port = await listenOn(server, 0);
    }
    listeners.set(record.id, { server, sockets, port });
    if (record.port !== port) {
      try {
        await deps.dynamo.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { id: record.id },
            UpdateExpression: 'SET #port = :port',
            ConditionExpression: '#state = :open',
            ExpressionAttributeNames: { '#port': 'port', '#state': 'state' },
            ExpressionAttributeValues: { ':port': port, ':open': 'open' },
          }),
        );
      } catch (err) {
        stop(record.id);
        if (err instanceof ConditionalCheckFailedException) throw new Error(`bastion ${record.id} was closed while it was opening`);
        throw err;
      }
    }
    log.info({ bastionId: record.id, requestId: record.requestId, port, target: `${record.targetHost}:${record.targetPort}` }, 'forwarder listening');
    return port;
  }

  function ensure(record: ForwarderRecord): Promise<number> {
    const running = listeners.get(record.id);
    if (running) return Promise.resolve(running.port);
    if (closed) return Promise.reject(new Error('the forwarder host is closed'));
    let p = pending.get(record.id);
    if (!p) {
      p = start(record).finally(() => pending.delete(record.id));
      pending.set(record.id, p);
    }
    return p;
  }

  async function reconcile(): Promise<void> {
    const records = await scanRecords(deps.dynamo);
    const open = new Map(records.filter((r) => r.state === 'open').map((r) => [r.id, r]));
    for (const id of [...listeners.keys()]) if (!open.has(id)) stop(id);
    for (const r of open.values()) {
      if (!listeners.has(r.id) && !closed) {
        await ensure(r).catch((err: Error) => log.warn({ bastionId: r.id, err: { message: err.message } }, 'cannot reopen forwarder'));
      }
    }
  }

  let subscriber: Redis | undefined;
  if (deps.redis) {
    const channel = bastionChannel(deps.prefix ?? 'dbre');
    subscriber = deps.redis.duplicate({ maxRetriesPerRequest: null });
    subscriber.on('error', () => undefined); // the periodic reconcile covers a dead Redis
    subscriber.on('message', (_ch: string, message: string) => {
      try {
        const event = JSON.parse(message) as { id?: string; state?: string };
        if (event.id && event.state === 'closed') stop(event.id);
      } catch {
        // not ours
      }
    });
    await subscriber.subscribe(channel).catch((err: Error) => log.warn({ err: { message: err.message } }, 'cannot subscribe to bastion events; relying on the periodic reconcile'));
  }

  await reconcile();
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = reconcile()
      .catch((err: Error) => log.warn({ err: { message: err.message } }, 'forwarder reconcile failed'))
      .finally(() => (running = undefined));
  }, deps.reconcileMs ?? 1000);
  timer.unref();

  return {
    ensure,
    stop,
    reconcile,
    listening: () => [...listeners.keys()],
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      for (const id of [...listeners.keys()]) stop(id);
      if (subscriber) subscriber.disconnect();
    },
  };
}

/**
 * The Bastion port over the store. `open` needs the host (the provisioner's process); `close`
 * and `list` work from any process (the reaper), publishing the close for promptness.
 */
export async function createForwarderBastion(deps: {
  dynamo: Dynamo;
  host?: ForwarderHost;
  redis?: Redis;
  prefix?: string;
  now?: () => Date;
}): Promise<Bastion & { record(bastionId: string): Promise<ForwarderRecord | undefined> }> {
  await ensureLocalTables(deps.dynamo, ['bastions']);
  const table = localTableName(deps.dynamo, 'bastions');
  const now = deps.now ?? (() => new Date());
  const channel = bastionChannel(deps.prefix ?? 'dbre');

  return {
    record: (id) => getRecord(deps.dynamo, id),

    async open(input: BastionOpenInput): Promise<BastionHandle> {
      if (!deps.host) throw new Error('the local bastion opens forwarders only in the process running the forwarder host (the provisioner)');
      const id = forwarderId(input.requestId);
      let record = await getRecord(deps.dynamo, id);
      if (!record) {
        const fresh: ForwarderRecord = {
          id,
          requestId: input.requestId,
          requester: input.requester,
          clusterId: input.clusterId,
          targetHost: input.target.host,
          targetPort: input.target.port,
          state: 'open',
          createdAt: now().toISOString(),
          endsAt: input.endsAt.toISOString(),
        };
        try {
          await deps.dynamo.doc.send(new PutCommand({ TableName: table, Item: fresh, ConditionExpression: 'attribute_not_exists(id)' }));
          record = fresh;
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
          record = await getRecord(deps.dynamo, id);
        }
      }
      if (!record) throw new Error(`bastion ${id} vanished while opening`);
      if (record.state !== 'open') throw new Error(`bastion ${id} is closed; a closed grant's bastion is never reopened`);
      const port = await deps.host.ensure(record);
      return { bastionId: id, connect: { host: '127.0.0.1', port }, connectCommand: '' };
    },

    async close(bastionId: string): Promise<void> {
      try {
        await deps.dynamo.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { id: bastionId },
            UpdateExpression: 'SET #state = :closed, closedAt = if_not_exists(closedAt, :at)',
            ConditionExpression: 'attribute_exists(id)',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':closed': 'closed', ':at': now().toISOString() },
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err; // unknown bastion: nothing to close
      }
      deps.host?.stop(bastionId);
      // Fire and forget: the host's periodic reconcile is the guarantee, pub/sub only makes it prompt.
      deps.redis?.publish(channel, JSON.stringify({ id: bastionId, state: 'closed' })).catch(() => undefined);
    },

    async list(): Promise<BastionInfo[]> {
      const records = await scanRecords(deps.dynamo);
      return records
        .filter((r) => r.state === 'open')
        .map((r) => ({ bastionId: r.id, requestId: r.requestId, createdAt: new Date(r.createdAt) }));
    },
  };
}
