import { randomBytes } from 'node:crypto';
import type { Bastion, ClusterTarget, DocSink, HostPort, Inventory, Notification, Notifier, SecretStore } from '../../src/ports';

/**
 * Driver contract suites: each port's behaviour, written once and run against every
 * implementation (local and AWS), so the two families cannot drift apart.
 */

const rid = (label: string) => `${label}${randomBytes(5).toString('hex')}`;

export interface BastionFixture {
  bastion: Bastion;
  /** A target the implementation accepts (the local one forwards to it lazily). */
  target: HostPort;
  /** An id in this implementation's format that names no bastion. */
  unknownId: string;
  dispose(): Promise<void>;
}

export function describeBastionContract(name: string, makeFixture: () => Promise<BastionFixture>): void {
  describe(`Bastion contract: ${name}`, () => {
    let f: BastionFixture;
    beforeAll(async () => {
      f = await makeFixture();
    });
    afterAll(() => f.dispose());
    const openInput = (requestId: string) => ({
      requestId,
      requester: 'ana.silva@example.com',
      clusterId: 'contract',
      target: f.target,
      endsAt: new Date(Date.now() + 3_600_000),
    });

    it('opens once per request: a second open returns the same bastion', async () => {
      const requestId = rid('C1');
      const first = await f.bastion.open(openInput(requestId));
      expect(first.bastionId).toEqual(expect.any(String));
      expect(first.connect.host).toBe('127.0.0.1');
      expect(Number.isInteger(first.connect.port) && first.connect.port > 0).toBe(true);
      expect(typeof first.connectCommand).toBe('string');
      const second = await f.bastion.open(openInput(requestId));
      expect(second.bastionId).toBe(first.bastionId);
      await f.bastion.close(first.bastionId);
    });

    it('lists open bastions with their request, distinct per request', async () => {
      const [a, b] = [rid('C2'), rid('C3')];
      const ha = await f.bastion.open(openInput(a));
      const hb = await f.bastion.open(openInput(b));
      expect(ha.bastionId).not.toBe(hb.bastionId);
      const list = await f.bastion.list();
      expect(list).toEqual(expect.arrayContaining([expect.objectContaining({ bastionId: ha.bastionId, requestId: a }), expect.objectContaining({ bastionId: hb.bastionId, requestId: b })]));
      for (const info of list) expect(info.createdAt).toBeInstanceOf(Date);
      await f.bastion.close(ha.bastionId);
      await f.bastion.close(hb.bastionId);
    });

    it('closes idempotently: a closed bastion leaves the list; closing again or an unknown id succeeds', async () => {
      const requestId = rid('C4');
      const handle = await f.bastion.open(openInput(requestId));
      await f.bastion.close(handle.bastionId);
      expect((await f.bastion.list()).map((i) => i.bastionId)).not.toContain(handle.bastionId);
      await f.bastion.close(handle.bastionId);
      await f.bastion.close(f.unknownId);
    });

    it('never reopens the bastion of a closed grant', async () => {
      const requestId = rid('C5');
      const handle = await f.bastion.open(openInput(requestId));
      await f.bastion.close(handle.bastionId);
      await expect(f.bastion.open(openInput(requestId))).rejects.toThrow(/never reopened/);
    });
  });
}

export interface SecretStoreFixture {
  store: SecretStore;
  dispose(): Promise<void>;
}

export function describeSecretStoreContract(name: string, makeFixture: () => Promise<SecretStoreFixture>): void {
  describe(`SecretStore contract: ${name}`, () => {
    let f: SecretStoreFixture;
    beforeAll(async () => {
      f = await makeFixture();
    });
    afterAll(() => f.dispose());
    const secretId = () => `dbre/access/${rid('S')}`;

    it('reads a missing secret as undefined', async () => {
      await expect(f.store.get(secretId())).resolves.toBeUndefined();
    });

    it('stores and reads back a value exactly', async () => {
      const id = secretId();
      const value = 'Zq8#xP!r2@Lm9$kT^w4&Yb6*Nc1(Vd5)-é';
      await f.store.put(id, value, { requestId: 'R1', cluster: 'contract' });
      await expect(f.store.get(id)).resolves.toBe(value);
    });

    it('put is idempotent and the latest value wins', async () => {
      const id = secretId();
      await f.store.put(id, 'first-value', { requestId: 'R2' });
      await f.store.put(id, 'first-value', { requestId: 'R2' });
      await expect(f.store.get(id)).resolves.toBe('first-value');
      await f.store.put(id, 'second-value', { requestId: 'R2' });
      await expect(f.store.get(id)).resolves.toBe('second-value');
    });

    it('deletes idempotently, and deleting a missing secret succeeds', async () => {
      const id = secretId();
      await f.store.put(id, 'v', { requestId: 'R3' });
      await f.store.delete(id);
      await expect(f.store.get(id)).resolves.toBeUndefined();
      await f.store.delete(id);
      await f.store.delete(secretId());
    });
  });
}

export interface InventoryFixture {
  inventory: Inventory;
  dispose(): Promise<void>;
}

/** The fleet every inventory fixture must serve (built from its own source: file, RDS...). */
export const CONTRACT_FLEET: readonly ClusterTarget[] = [
  {
    id: 'orders-prod',
    environment: 'prod',
    engine: 'aurora-mysql',
    description: 'Orders',
    endpoint: { host: 'orders-prod.cluster-abc.eu-west-1.rds.amazonaws.com', port: 3306 },
    instances: [
      { host: 'orders-prod-1.abc.eu-west-1.rds.amazonaws.com', port: 3306 },
      { host: 'orders-prod-2.abc.eu-west-1.rds.amazonaws.com', port: 3306 },
    ],
    admin: { user: 'admin', password: 'orders-admin-pw' },
    reader: { user: 'dbre_docs_reader', password: 'orders-reader-pw' },
  },
  {
    id: 'billing-dev',
    environment: 'dev',
    engine: 'aurora-mysql',
    endpoint: { host: 'billing-dev.cluster-abc.eu-west-1.rds.amazonaws.com', port: 3307 },
    instances: [],
    admin: { user: 'root_admin', password: 'billing-admin-pw' },
  },
];

export function describeInventoryContract(name: string, makeFixture: (fleet: readonly ClusterTarget[]) => Promise<InventoryFixture>): void {
  describe(`Inventory contract: ${name}`, () => {
    let f: InventoryFixture;
    beforeAll(async () => {
      f = await makeFixture(CONTRACT_FLEET);
    });
    afterAll(() => f.dispose());
    const sorted = [...CONTRACT_FLEET].sort((a, b) => a.id.localeCompare(b.id));

    // Placement (region, VPC, groups) and log exports exist only where the source knows them (RDS): compared without them.
    const unplaced = (c: ClusterTarget | undefined) => {
      if (!c) return c;
      const { placement: _placement, logExports: _logExports, ...rest } = c;
      return rest;
    };

    it('lists every cluster of the fleet, sorted by id, with endpoints and credentials', async () => {
      expect((await f.inventory.list()).map(unplaced)).toEqual(sorted);
    });

    it('gets one cluster by id, and undefined for an unknown id', async () => {
      expect(unplaced(await f.inventory.get('orders-prod'))).toEqual(sorted.find((c) => c.id === 'orders-prod'));
      await expect(f.inventory.get('no-such-cluster')).resolves.toBeUndefined();
    });
  });
}

export interface DocSinkFixture {
  sink: DocSink;
  dispose(): Promise<void>;
}

export function describeDocSinkContract(name: string, makeFixture: () => Promise<DocSinkFixture>): void {
  describe(`DocSink contract: ${name}`, () => {
    let f: DocSinkFixture;
    beforeAll(async () => {
      f = await makeFixture();
    });
    afterAll(() => f.dispose());

    it('writes new or changed content and skips unchanged content', async () => {
      await expect(f.sink.write('demo/tables/orders.md', '# orders\n', 'text/markdown')).resolves.toBe('written');
      await expect(f.sink.write('demo/tables/orders.md', '# orders\n', 'text/markdown')).resolves.toBe('unchanged');
      await expect(f.sink.write('demo/tables/orders.md', Buffer.from('# orders\n'), 'text/markdown')).resolves.toBe('unchanged');
      await expect(f.sink.write('demo/tables/orders.md', '# orders (v2)\n', 'text/markdown')).resolves.toBe('written');
      await expect(f.sink.read('demo/tables/orders.md')).resolves.toEqual(Buffer.from('# orders (v2)\n'));
    });

    it('round-trips binary content and reads a missing path as undefined', async () => {
      const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
      await f.sink.write('demo/er.png', bytes, 'image/png');
      await expect(f.sink.read('demo/er.png')).resolves.toEqual(bytes);
      await expect(f.sink.read('demo/nothing-here.md')).resolves.toBeUndefined();
    });

    it('lists every path under a folder prefix, recursively and sorted; an empty prefix lists all', async () => {
      await f.sink.write('listing/b.md', 'b', 'text/markdown');
      await f.sink.write('listing/a/z.md', 'z', 'text/markdown');
      await f.sink.write('listing/a/y.md', 'y', 'text/markdown');
      await expect(f.sink.list('listing/')).resolves.toEqual(['listing/a/y.md', 'listing/a/z.md', 'listing/b.md']);
      await expect(f.sink.list('no-such-folder/')).resolves.toEqual([]);
      const all = await f.sink.list('');
      expect(all).toEqual([...all].sort());
      expect(all).toEqual(expect.arrayContaining(['demo/er.png', 'listing/b.md']));
    });

    it('refuses paths that could escape the sink', async () => {
      for (const bad of ['../outside.md', '/absolute.md', 'a//b.md', 'a/../b.md', '']) {
        await expect(f.sink.write(bad, 'x', 'text/plain')).rejects.toThrow();
      }
    });

    it('removes a page when the sink supports it', async () => {
      if (!f.sink.remove) return;
      await f.sink.write('gone/page.md', 'x', 'text/markdown');
      await expect(f.sink.remove('gone/page.md')).resolves.toBe(true);
      await expect(f.sink.remove('gone/page.md')).resolves.toBe(false);
      await expect(f.sink.read('gone/page.md')).resolves.toBeUndefined();
    });
  });
}

export interface NotifierFixture {
  notifier: Notifier;
  /** How many times a notification id reached its recipient. */
  deliveries(id: string): Promise<number>;
  dispose(): Promise<void>;
}

export function describeNotifierContract(name: string, makeFixture: () => Promise<NotifierFixture>): void {
  describe(`Notifier contract: ${name}`, () => {
    let f: NotifierFixture;
    beforeAll(async () => {
      f = await makeFixture();
    });
    afterAll(() => f.dispose());

    it('delivers a notification once, even when sent twice with the same id', async () => {
      const n: Notification = { id: `credentials:${rid('N')}`, kind: 'credentials', to: 'U0CONTRACT', text: 'your access is ready', requestId: 'R1' };
      await f.notifier.send(n);
      await f.notifier.send(n);
      await expect(f.deliveries(n.id)).resolves.toBe(1);
    });
  });
}
