import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { createFolderSink, type DocSink, type Notification } from '@dbre/drivers';
import { uniqueName } from '@dbre/testing';
import { paths, readCluster, runFleetInProcess, snapshotJsonSchema, snapshotSchema, type CrawlSettings, type Snapshot } from '../src';
import { openReadSession } from '../src/crawl/connection';
import { dropDatabases, richSchemaSql, rootConnection, wideSchemaSql } from './support/fixture';
import { localTarget } from './support/targets';

/**
 * The crawler against the real MariaDB: a fixture schema with every feature the docs show and a
 * schema of 220 tables, crawled with a read-only user.
 */
// The first crawl with views loads the SQL parser (seconds on a loaded machine, more under Jest's transform).
jest.setTimeout(120_000);

describe('crawl, render and publish a cluster', () => {
  const rich = uniqueName('docs_rich');
  const wide = uniqueName('docs_wide');
  const reader = uniqueName('docs_rd');
  const readerPassword = `Rd-${uniqueName('pw')}-9x`;
  let root: Connection;
  let out: string;
  const mine = (name: string) => name === rich || name === wide;
  const settings: CrawlSettings = { concurrency: 2, clusterTimeoutMs: 60_000, attempts: 2, connectTimeoutMs: 3_000, includeSchema: mine };
  const target = () => localTarget('dev-local', { reader: { user: reader, password: readerPassword } });

  beforeAll(async () => {
    root = await rootConnection();
    await root.query(richSchemaSql(rich));
    await root.query(wideSchemaSql(wide, 220));
    for (const host of ['%', 'localhost']) {
      await root.query('DROP USER IF EXISTS ?@?', [reader, host]);
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [reader, host, readerPassword]);
      for (const db of [rich, wide]) await root.query(`GRANT SELECT, SHOW VIEW, TRIGGER ON \`${db}\`.* TO ?@?`, [reader, host]);
      await root.query('GRANT SELECT ON mysql.proc TO ?@?', [reader, host]);
    }
    out = await mkdtemp(join(tmpdir(), 'docs-out-'));
  }, 60_000);

  afterAll(async () => {
    for (const host of ['%', 'localhost']) await root.query('DROP USER IF EXISTS ?@?', [reader, host]);
    await dropDatabases(root, [rich, wide]);
    await root.end();
    await rm(out, { recursive: true, force: true });
  });

  let snapshot: Snapshot;

  it('reads the facts of every object with set-based queries, as the read-only user', async () => {
    const read = await readCluster({ target: target(), includeSchema: mine });
    if (read.unchanged) throw new Error('a first read cannot be unchanged');
    const content = read.content;
    expect(read.ddlRead).toBe(228);
    snapshot = { ...content, capturedAt: 'x', contentHash: 'y' };
    // Same facts again: the crawler stops before SHOW CREATE TABLE.
    expect(await readCluster({ target: target(), includeSchema: mine, stopIfFactsHash: read.factsHash })).toEqual({ unchanged: true, factsHash: read.factsHash });
    expect(snapshotSchema.safeParse(snapshot).success).toBe(true);
    expect(content.schemas.map((s) => s.name)).toEqual([rich, wide].sort());
    expect(content.server.flavor).toBe('mariadb');
    expect(content.variables['max_connections']).toMatch(/^\d+$/);
    expect(content.variables['gtid_current_pos']).toBeUndefined();
    const s = content.schemas.find((x) => x.name === rich)!;
    const t = (name: string) => s.tables.find((x) => x.name === name)!;
    expect(s.tables.map((x) => x.name)).toEqual(['audit_log', 'customer_profile', 'customers', 'events', 'hyphen-table', 'order', 'stock', 'warehouses']);

    // self-referencing FK, prefix, fulltext, unique indexes, Japanese comments
    const customers = t('customers');
    expect(customers.comment).toBe('顧客マスタ');
    expect(customers.columns.find((c) => c.name === 'email')?.comment).toBe('ログイン用メールアドレス');
    expect(customers.foreignKeys).toEqual([
      {
        name: 'fk_customers_referrer',
        columns: ['referred_by'],
        referencedSchema: rich,
        referencedTable: 'customers',
        referencedColumns: ['id'],
        onUpdate: 'RESTRICT',
        onDelete: 'SET NULL',
        cardinality: { child: 'zero-or-more', parent: 'zero-or-one' },
      },
    ]);
    // Cardinality from the keys: a PK that is the FK is one-to-one; a unique nullable FK is zero-or-one on both sides.
    expect(t('customer_profile').foreignKeys[0]!.cardinality).toEqual({ child: 'zero-or-one', parent: 'exactly-one' });
    expect(t('hyphen-table').foreignKeys[0]!.cardinality).toEqual({ child: 'zero-or-one', parent: 'zero-or-one' });
    expect(t('order').foreignKeys[0]!.cardinality).toEqual({ child: 'zero-or-more', parent: 'exactly-one' });
    expect(customers.indexes.find((i) => i.name === 'ix_customers_bio')?.columns).toEqual([{ name: 'bio', subPart: 32, descending: false, expression: null }]);
    expect(customers.indexes.find((i) => i.name === 'ft_customers_name')?.type).toBe('FULLTEXT');
    expect(customers.indexes.find((i) => i.name === 'uk_customers_email')?.unique).toBe(true);
    expect(customers.rowsEstimate).toBeGreaterThanOrEqual(0);

    // composite PK and FK, generated columns, CHECK constraints (column and table level)
    expect(t('warehouses').primaryKey).toEqual(['region', 'code']);
    const stock = t('stock');
    expect(stock.foreignKeys[0]).toMatchObject({ columns: ['wh_region', 'wh_code'], referencedColumns: ['region', 'code'], onUpdate: 'CASCADE' });
    expect(stock.columns.find((c) => c.name === 'total')).toMatchObject({ generated: 'STORED', generationExpression: '`qty` * `price`' });
    expect(stock.columns.find((c) => c.name === 'label')?.generated).toBe('VIRTUAL');
    expect(stock.checks.map((c) => c.name)).toEqual(['chk_stock_price', 'qty']);
    expect(stock.ddl).not.toMatch(/AUTO_INCREMENT=\d/);
    expect(stock.ddl).toContain('CONSTRAINT `chk_stock_price` CHECK (`price` > 0)');
    expect(stock.autoIncrement).toBe(1000);

    // reserved words, triggers, partitions, views, routines
    const order = t('order');
    expect(order.columns.map((c) => c.name)).toEqual(['id', 'select', 'group', 'customer_id', 'created_at']);
    expect(order.indexes.map((i) => i.name)).toEqual(['PRIMARY', 'index']);
    expect(order.triggers.map((x) => `${x.timing} ${x.event} ${x.name}`)).toEqual(['AFTER INSERT trg_order_ai', 'BEFORE UPDATE trg_order_bu']);
    expect(t('events').partitioning).toMatchObject({ method: 'RANGE', expression: 'year(`happened`)' });
    expect(t('events').partitioning?.partitions.map((p) => [p.name, p.description, p.comment])).toEqual([
      ['p2024', '2025', '2024年'],
      ['p2025', '2026', ''],
      ['pmax', 'MAXVALUE', ''],
    ]);
    expect(s.views.map((v) => v.name)).toEqual(['v_customer_orders', 'v_profiles']);
    expect(s.views[0]!.definition).toMatch(/select/i);
    expect(s.views[0]!.columns.map((c) => c.name)).toEqual(['customer_id', 'display_name', 'orders']);
    // What each view reads, parsed from its definition; view columns inherit the base columns' defaults.
    expect(s.views[0]!.references).toEqual([
      { schema: rich, name: 'customers', kind: 'table' },
      { schema: rich, name: 'order', kind: 'table' },
    ]);
    expect(s.views[0]!.tables).toEqual(['customers', 'order']);
    const profiles = s.views[1]!;
    expect(profiles.tables).toEqual(['customer_profile', 'hyphen-table']);
    expect(profiles.columns.map((c) => [c.name, c.default])).toEqual([
      ['customer_id', null],
      ['title', "'Untitled'"],
      ['points', '0'],
      ['note', 'NULL'],
      ['col-2', 'NULL'],
    ]);
    expect(s.routines.map((r) => `${r.type} ${r.name}`)).toEqual(['FUNCTION f_tax', 'PROCEDURE p_touch']);
    expect(s.routines[0]).toMatchObject({ returns: 'decimal(10,2)', deterministic: true, comment: '消費税' });
    expect(s.routines[1]!.parameters).toEqual([
      { mode: 'IN', name: 'p_id', type: 'bigint(20)' },
      { mode: 'OUT', name: 'p_count', type: 'int(11)' },
    ]);
    expect(s.routines[1]!.definition).toContain('ROW_COUNT()');

    const w = content.schemas.find((x) => x.name === wide)!;
    expect(w.tables).toHaveLength(220);
    expect(w.tables.filter((x) => x.foreignKeys.length).length).toBe(44);
  });

  it('refuses to write: the crawl session is read-only', async () => {
    // The snapshot above came through openReadSession; prove the same session kind cannot write.
    const session = await openReadSession({ target: localTarget('dev-local'), connectTimeoutMs: 3000 });
    try {
      await expect(session.query(`INSERT INTO \`${rich}\`.warehouses VALUES ('zz', 1, 'x')`)).rejects.toThrow(/READ ONLY/i);
    } finally {
      await session.close();
    }
  });

  let sink: DocSink;
  const sent: Notification[] = [];

  it('publishes deterministic pages, a snapshot with its JSON Schema, and a first changelog entry', async () => {
    sink = createFolderSink({ root: out });
    const summary = await runFleetInProcess(
      { sink, notifier: { send: async (n) => void sent.push(n) }, notifyTo: '#db-docs' },
      { runId: 'r1', targets: [target()], settings, now: () => new Date('2026-11-25T03:00:00.000Z') },
    );
    expect(summary.failed).toEqual([]);
    expect(summary.clusters[0]).toMatchObject({ ok: true, changed: true, tables: 228 });
    expect(summary.filesWritten).toBeGreaterThan(230);

    const page = (p: string) => readFile(join(out, p), 'utf8');
    const stock = await page(paths.table('dev-local', rich, 'stock'));
    expect(stock).toContain(`# Table \`${rich}.stock\``);
    expect(stock).toContain('| `fk_stock_warehouse` | `wh_region`, `wh_code` | [`warehouses`](warehouses.md) | `region`, `code` | 0..* child → 1 parent | CASCADE | RESTRICT |');
    expect(stock).toContain('| `chk_stock_price` | CHECK | `` `price` > 0 `` |');
    expect(stock).toContain('STORED GENERATED AS `` `qty` * `price` ``');
    expect(stock).toContain('![ER diagram of stock with its parents and children](stock.svg)');
    expect(stock).toContain('```mermaid\nerDiagram\n  stock {');
    // A composite FK is one edge labelled with its columns.
    expect(stock).toContain('  stock }o--|| warehouses : "fk_stock_warehouse (wh_region, wh_code)"');
    const stockSvg = await page(paths.tableSvg('dev-local', rich, 'stock'));
    expect(stockSvg).toContain('<title>warehouses</title>');
    expect(stockSvg).toContain('<a href="warehouses.md">');

    // One-to-one drawn as such; hyphenated and mixed-case names kept in Mermaid, not aliased.
    const hyphen = await page(paths.table('dev-local', rich, 'hyphen-table'));
    expect(hyphen).toContain('    int Mixed-Case PK');
    expect(hyphen).toContain('    varchar col-2');
    expect(hyphen).toContain('  hyphen-table |o--o| customers : "fk_hyphen_customer"');
    expect(hyphen).toContain('| 0..1 child → 0..1 parent (one-to-one) |');
    const profile = await page(paths.table('dev-local', rich, 'customer_profile'));
    expect(profile).toContain('  customer_profile |o--|| customers : "fk_profile_customer"');
    expect(profile).toContain('## Read by views\n\n[`v_profiles`](../views/v_profiles.md)');
    const viewPage = await page(paths.view('dev-local', rich, 'v_profiles'));
    expect(viewPage).toContain("| `title` | `varchar(100)` | NO | `'Untitled'` |");
    expect(viewPage).toContain('| `points` | `int(11)` | NO | `0` |');
    expect(viewPage).toContain('| [`hyphen-table`](../tables/hyphen-table.md) | table |');
    const wideOverview = await page(paths.schemaOverview('dev-local', wide, 1));
    expect(wideOverview).toContain('<title>t_0220</title>');
    expect(stock).toMatch(/## DDL\n\n```sql\nCREATE TABLE `stock` \(/);

    const customers = await page(paths.table('dev-local', rich, 'customers'));
    expect(customers).toContain('> 顧客マスタ');
    expect(customers).toContain('| 2 | `email` | `varchar(255)` | NO |   |   | UK | utf8mb4\\_unicode\\_ci | ログイン用メールアドレス |');
    expect(customers).toContain('### Children (referencing this table)');
    expect(customers).toContain('| [`customers`](customers.md) | `fk_customers_referrer` |');
    expect(customers).toContain('| [`order`](order.md) | `fk_order_customer` |');
    expect(customers).toContain('| `ix_customers_bio` | BTREE | NO | `bio`(32) | YES |   |');

    const order = await page(paths.table('dev-local', rich, 'order'));
    expect(order).toContain('> 注文 &lt;予約語&gt;');
    expect(order).toContain("| 2 | `select` | `varchar(20)` | NO | `'a\\|b'` |");
    expect(order).toContain('### `trg_order_ai`');

    const events = await page(paths.table('dev-local', rich, 'events'));
    expect(events).toContain('## Partitions\n\nRANGE (``year(`happened`)``)');
    expect(events).toContain('| 1 | `p2024` | `2025` |');

    expect(await page(paths.view('dev-local', rich, 'v_customer_orders'))).toContain('## Definition');
    expect(await page(paths.routine('dev-local', rich, 'PROCEDURE', 'p_touch'))).toContain('| 2 | OUT | `p_count` | `int(11)` |');
    const schemaPage = await page(paths.schemaIndex('dev-local', rich));
    expect(schemaPage).toContain('![ER diagram');
    expect(schemaPage).toContain('erDiagram');
    // Small schemas keep the Graphviz diagram with every column; every schema has the overview.
    const svg = await page(paths.schemaSvg('dev-local', rich));
    expect(svg).toMatch(/^<\?xml|^<svg|<!DOCTYPE svg/);
    expect(svg).toContain('warehouses');
    expect(await sink.read(paths.schemaSvg('dev-local', wide))).toBeUndefined();
    expect(await page(paths.schemaIndex('dev-local', wide))).toContain('![Overview of');

    const clusterIndex = await page(paths.clusterIndex('dev-local'));
    expect(clusterIndex).toContain('| Tables | 228 |');
    expect(clusterIndex).toContain(`[\`${rich}\`](schemas/${rich}/README.md)`);
    expect(await page(paths.fleetIndex)).toContain('| [`dev-local`](dev-local/README.md) | dev | mariadb |');
    expect(await page(paths.parameters('dev-local'))).toMatch(/\| `max_connections` \| `\d+` \|/);

    const stored = snapshotSchema.parse(JSON.parse(await page(paths.snapshot('dev-local'))));
    expect(stored.capturedAt).toBe('2026-11-25T03:00:00.000Z');
    expect(JSON.parse(await page(paths.snapshotJsonSchema))).toEqual(JSON.parse(JSON.stringify(snapshotJsonSchema())));
    const committed = JSON.parse(await readFile(join(__dirname, '../schema/schema-snapshot.v1.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(snapshotJsonSchema())));

    const changelog = await page(paths.changelog('dev-local'));
    expect(changelog).toContain('## 2026-11-25T03:00:00.000Z\n\n- first snapshot: 2 schemas, 228 tables, 2 views, 2 routines');
    expect(sent).toEqual([]); // nothing to report on a first snapshot
  });

  it('renders byte-identical pages from the same database and writes no file on an unchanged re-crawl', async () => {
    const before = await sink.list('');
    const contents = await Promise.all(before.map((p) => readFile(join(out, p))));
    const summary = await runFleetInProcess({ sink }, { runId: 'r2', targets: [target()], settings, now: () => new Date('2026-11-26T03:00:00.000Z') });
    expect(summary.clusters[0]).toMatchObject({ ok: true, changed: false, filesWritten: 0 });
    expect(summary.filesWritten).toBe(0);
    // Forced re-render of the same database: every page identical, so still nothing written.
    const forced = await runFleetInProcess({ sink }, { runId: 'r3', targets: [target()], settings: { ...settings, force: true }, now: () => new Date('2026-11-27T03:00:00.000Z') });
    expect(forced.clusters[0]).toMatchObject({ ok: true, changed: true, filesWritten: 0 });
    expect(await sink.list('')).toEqual(before);
    const after = await Promise.all(before.map((p) => readFile(join(out, p))));
    expect(after).toEqual(contents);
  });

  it('records a changed column, an added table, a dropped view and a changed SET GLOBAL parameter in the changelog and the notifier', async () => {
    const [[row]] = (await root.query("SELECT @@GLOBAL.max_connect_errors AS v")) as unknown as [[{ v: number }]];
    const original = Number(row.v);
    try {
      await root.query(`ALTER TABLE \`${rich}\`.customers MODIFY display_name VARCHAR(150) NOT NULL COMMENT '表示名'`);
      await root.query(`CREATE TABLE \`${rich}\`.coupons (code VARCHAR(20) PRIMARY KEY) COMMENT='クーポン'`);
      await root.query(`DROP VIEW \`${rich}\`.v_customer_orders`);
      await root.query('SET GLOBAL max_connect_errors = ?', [original + 7]);
      const summary = await runFleetInProcess(
        { sink, notifier: { send: async (n) => void sent.push(n) }, notifyTo: '#db-docs' },
        { runId: 'r4', targets: [target()], settings, now: () => new Date('2026-11-28T03:00:00.000Z') },
      );
      expect(summary.clusters[0]).toMatchObject({ ok: true, changed: true });
    } finally {
      await root.query('SET GLOBAL max_connect_errors = ?', [original]);
    }
    const changelog = await readFile(join(out, paths.changelog('dev-local')), 'utf8');
    const newest = changelog.slice(changelog.indexOf('## 2026-11-28T03:00:00.000Z'), changelog.indexOf('## 2026-11-25T03:00:00.000Z'));
    expect(newest).toContain(`- \`${rich}.customers\`: column \`display_name\` changed: type \`varchar(100)\` → \`varchar(150)\``);
    expect(newest).toContain(`- \`${rich}.coupons\`: table added (1 columns)`);
    expect(newest).toContain(`- \`${rich}\`: view \`v_customer_orders\` removed`);
    expect(newest).toContain(`- parameter \`max_connect_errors\`: \`${original}\` → \`${original + 7}\``);
    expect(changelog.indexOf('2026-11-28')).toBeLessThan(changelog.indexOf('2026-11-25')); // newest first
    expect(await sink.read(paths.view('dev-local', rich, 'v_customer_orders'))).toBeUndefined(); // stale page removed
    expect(await readFile(join(out, paths.table('dev-local', rich, 'coupons')), 'utf8')).toContain('> クーポン');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'docs.changes', to: '#db-docs' });
    expect(sent[0]!.text).toContain('max_connect_errors');
  });

  it('fails a cluster with a wrong password (once, no retries) and a silent one at its deadline, while the others publish', async () => {
    const black = await import('node:net').then((net) => {
      const sockets: import('node:net').Socket[] = [];
      const server = net.createServer((s) => void sockets.push(s)); // accepts, never answers
      return new Promise<{ port: number; close: () => Promise<void> }>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve({
            port: (server.address() as import('node:net').AddressInfo).port,
            close: () => new Promise((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
          }),
        ),
      );
    });
    try {
      const wrong = localTarget('dev-wrong', { reader: { user: reader, password: 'not-the-password' } });
      const silent = localTarget('dev-silent', { endpoint: { host: '127.0.0.1', port: black.port } });
      const events: string[] = [];
      const summary = await runFleetInProcess(
        { sink },
        {
          runId: 'r5',
          targets: [wrong, silent, target()],
          settings: { ...settings, clusterTimeoutMs: 20_000, connectTimeoutMs: 500, attempts: 2 },
          onCluster: (e) => events.push(`${e.clusterId}:${e.stage}`),
        },
      );
      expect(summary.failed).toEqual(['dev-silent', 'dev-wrong']);
      const byId = Object.fromEntries(summary.clusters.map((c) => [c.clusterId, c]));
      expect(byId['dev-wrong']).toMatchObject({ ok: false, code: 'CRAWL_ACCESS_DENIED', attempts: 1 });
      expect(byId['dev-silent']).toMatchObject({ ok: false, attempts: 2 });
      expect(byId['dev-local']).toMatchObject({ ok: true });
      expect(events).toContain('dev-silent:retry');
      const index = await readFile(join(out, paths.fleetIndex), 'utf8');
      expect(index).toContain('| `dev-wrong` | dev | mariadb |');
      expect(index).toMatch(/- `dev-wrong`: dev-wrong: access denied/);
      expect(index).toMatch(/- `dev-silent`: dev-silent: /);
      expect(index).toContain('| [`dev-local`](dev-local/README.md) |');
      expect(index).not.toContain(readerPassword);
    } finally {
      await black.close();
    }
  });
});
