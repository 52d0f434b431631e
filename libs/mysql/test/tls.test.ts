import type { ClusterTarget } from '@dbre/drivers';
import { createAccessAdmin, createGrantAdmin } from '../src';
import { startTlsMariadb, type TlsMariadb } from './tls-mariadb';

describe('TLS to the database (server certificate verified)', () => {
  let db: TlsMariadb;
  beforeAll(async () => {
    db = await startTlsMariadb();
  }, 90_000);
  afterAll(() => db?.stop());

  const cluster = (ca: string) => ({
    id: 'tls-test',
    engine: 'mariadb' as const,
    endpoint: { host: '127.0.0.1', port: db.port },
    instances: [],
    admin: { user: 'root', password: '' },
    tls: { ca },
  });

  it('connects over TLS when the server certificate chains to the configured CA', async () => {
    const admin = createAccessAdmin({ cluster: cluster(db.ca) });
    try {
      await expect(admin.ping()).resolves.toBeUndefined();
    } finally {
      await admin.close();
    }
  });

  it('refuses a server whose certificate does not chain to the configured CA', async () => {
    const admin = createAccessAdmin({ cluster: cluster(db.otherCa) });
    try {
      await expect(admin.ping()).rejects.toThrow(/certificate/i);
    } finally {
      await admin.close();
    }
  });

  it("the workers' grant admin verifies the certificate of a cluster whose inventory entry asks for TLS, and follows a changed CA", async () => {
    const grants = createGrantAdmin({ userPrefix: 'jit_' });
    const target = (ca: string): ClusterTarget => ({ ...cluster(ca), environment: 'dev' });
    try {
      await expect(grants.requireDatabase(target(db.ca), 'information_schema')).resolves.toBeUndefined();
      await expect(grants.requireDatabase(target(db.otherCa), 'information_schema')).rejects.toThrow(/certificate/i);
    } finally {
      await grants.close();
    }
  });
});
