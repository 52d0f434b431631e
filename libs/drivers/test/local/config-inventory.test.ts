import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfigInventory, createStaticInventory } from '../../src';

describe('config-file inventory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inventory-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const yaml = `
clusters:
  - id: stg-b
    environment: stg
    endpoint: { host: db-b.internal }
    admin: { user: admin, passwordEnv: DB_B_ADMIN }
  - id: dev-a
    environment: dev
    engine: mariadb
    description: 開発
    endpoint: { host: 127.0.0.1, port: 3307 }
    instances: [{ host: 127.0.0.2 }]
    admin: { user: root, password: '' }
    reader: { user: docs, passwordEnv: DB_A_READER }
`;

  it('lists the clusters sorted by id with passwords resolved from the environment', async () => {
    const path = join(dir, 'platform.yaml');
    await writeFile(path, yaml);
    const inventory = createConfigInventory({ path, env: { DB_B_ADMIN: 's3cret', DB_A_READER: 'r3ad' } });
    const list = await inventory.list();
    expect(list.map((c) => c.id)).toEqual(['dev-a', 'stg-b']);
    expect(list[0]).toEqual({
      id: 'dev-a',
      environment: 'dev',
      engine: 'mariadb',
      description: '開発',
      endpoint: { host: '127.0.0.1', port: 3307 },
      instances: [{ host: '127.0.0.2', port: 3306 }],
      admin: { user: 'root', password: '' },
      reader: { user: 'docs', password: 'r3ad' },
    });
    expect((await inventory.get('stg-b'))?.admin.password).toBe('s3cret');
    expect((await inventory.get('stg-b'))?.endpoint.port).toBe(3306);
    expect(await inventory.get('nope')).toBeUndefined();
  });

  it('sees an edited file on the next call unless told to read it once', async () => {
    const path = join(dir, 'platform.yaml');
    await writeFile(path, 'clusters: []\n');
    const live = createConfigInventory({ path, env: {} });
    const once = createConfigInventory({ path, env: {}, reload: false });
    expect(await live.list()).toEqual([]);
    expect(await once.list()).toEqual([]);
    await writeFile(path, `clusters:\n  - { id: new-one, environment: dev, endpoint: { host: h }, admin: { user: u, password: p } }\n`);
    expect((await live.list()).map((c) => c.id)).toEqual(['new-one']);
    expect(await once.list()).toEqual([]);
  });

  it('sees a same-length edit, a replaced file and a changed password variable on the next call', async () => {
    const path = join(dir, 'edits.yaml');
    const one = (id: string) => `clusters:\n  - { id: ${id}, environment: dev, endpoint: { host: h }, admin: { user: u, passwordEnv: PW } }\n`;
    await writeFile(path, one('aaa'));
    const env: Record<string, string | undefined> = { PW: 'first' };
    const live = createConfigInventory({ path, env });
    expect((await live.list()).map((c) => [c.id, c.admin.password])).toEqual([['aaa', 'first']]);
    await writeFile(path, one('bbb'));
    expect((await live.list()).map((c) => c.id)).toEqual(['bbb']);
    await writeFile(`${path}.new`, one('ccc'));
    await rename(`${path}.new`, path);
    expect((await live.list()).map((c) => c.id)).toEqual(['ccc']);
    env['PW'] = 'rotated';
    expect((await live.get('ccc'))?.admin.password).toBe('rotated');
    await writeFile(path, 'clusters: [ { id: broken');
    await expect(live.list()).rejects.toThrow(/edits\.yaml/);
  });

  it('names the file and every bad field, a duplicate id and a missing password variable', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, `clusters:\n  - { id: Bad_Id, environment: qa, endpoint: { host: h }, admin: { user: u } }\n`);
    await expect(createConfigInventory({ path, env: {} }).list()).rejects.toThrow(/bad\.yaml[\s\S]*clusters\.0\.id[\s\S]*clusters\.0\.environment/);
    await writeFile(path, `clusters:\n  - { id: a-1, environment: dev, endpoint: { host: h }, admin: { user: u } }\n  - { id: a-1, environment: dev, endpoint: { host: h }, admin: { user: u } }\n`);
    await expect(createConfigInventory({ path, env: {} }).list()).rejects.toThrow(/duplicate cluster id a-1/);
    await writeFile(path, yaml);
    await expect(createConfigInventory({ path, env: {} }).list()).rejects.toThrow(/DB_B_ADMIN/);
    await expect(createConfigInventory({ path: join(dir, 'missing.yaml'), env: {} }).list()).rejects.toThrow(/cannot read platform config/);
  });

  it('has a static variant for tools and tests', async () => {
    const inv = createStaticInventory([
      { id: 'b', environment: 'dev', engine: 'mysql', endpoint: { host: 'h', port: 1 }, instances: [], admin: { user: 'u', password: '' } },
      { id: 'a', environment: 'dev', engine: 'mysql', endpoint: { host: 'h', port: 1 }, instances: [], admin: { user: 'u', password: '' } },
    ]);
    expect((await inv.list()).map((c) => c.id)).toEqual(['a', 'b']);
  });
});
