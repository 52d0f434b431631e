import { changeEntry, classifyVariable, renderCluster, compareWithDefault, diffSnapshots, differsFromBaseline, normalizeValue, parseHelpDescriptions, parseHelpVerbose, prependEntry, quoteIdent, segment, stripAutoIncrement, type Snapshot, type Table } from '../src';
import { renderParameterDrift, renderParametersPage } from '../src/render/parameters-page';
import { growers, parseSizeHistory, withPoint } from '../src/render/size-trend';
import { benchSchemaEntry } from './support/bench-schema';
import { code, codeBlock, escText, href } from '../src/render/markdown';
import { tableMermaid } from '../src/render/mermaid';
import { paths } from '../src/render/paths';

const table = (name: string, extra: Partial<Table> = {}): Table => ({
  name,
  engine: 'InnoDB',
  rowFormat: 'Dynamic',
  collation: 'utf8mb4_bin',
  comment: '',
  createOptions: '',
  rowsEstimate: 0,
  dataLength: 0,
  indexLength: 0,
  autoIncrement: null,
  columns: [{ name: 'id', position: 1, type: 'int(11)', dataType: 'int', nullable: false, default: null, extra: '', generated: null, generationExpression: null, charset: null, collation: null, comment: '' }],
  primaryKey: ['id'],
  indexes: [{ name: 'PRIMARY', unique: true, primary: true, type: 'BTREE', columns: [{ name: 'id', subPart: null, descending: false, expression: null }], comment: '', visible: true }],
  foreignKeys: [],
  checks: [],
  triggers: [],
  partitioning: null,
  ddl: 'CREATE TABLE x',
  ...extra,
});

const snapshot = (tables: Table[], variables: Record<string, string> = {}): Snapshot => ({
  snapshotVersion: 1,
  clusterId: 'c',
  environment: 'dev',
  engine: 'mariadb',
  capturedAt: '2026-11-25T00:00:00.000Z',
  contentHash: 'h',
  server: { version: '10.11.19-MariaDB', versionComment: '', flavor: 'mariadb' },
  variables,
  schemas: [{ name: 'app', charset: 'utf8mb4', collation: 'utf8mb4_bin', tables, views: [], routines: [] }],
});

describe('markdown and paths', () => {
  it('escapes text for table cells, keeping Japanese as is', () => {
    expect(escText('a|b <script> *x* 日本語\nnext')).toBe('a\\|b &lt;script&gt; \\*x\\* 日本語<br>next');
    expect(code('a`b|c')).toBe('``a`b\\|c``');
    expect(code('`x`')).toBe('`` `x` ``');
    expect(codeBlock('sql', 'SELECT "```"')).toBe('````sql\nSELECT "```"\n````');
  });

  it('makes every identifier a safe, unique file name and links to it URL-encoded', () => {
    expect(segment('orders')).toBe('orders');
    expect(segment('注文')).toBe('注文');
    expect(segment('../etc')).toBe('%2E%2E%2Fetc');
    expect(segment('a b.c%')).toBe('a%20b%2Ec%25');
    expect(segment('')).toBe('%00');
    const from = paths.table('c', 'app', 'a');
    expect(href(from, paths.table('c', 'app', 'a b'))).toBe('a%2520b.md');
    expect(href(from, paths.table('c', 'other', '注文'))).toBe(`../../other/tables/${encodeURIComponent('注文')}.md`);
    expect(href(from, paths.clusterIndex('c'))).toBe('../../../README.md');
  });

  it('aliases identifiers Mermaid cannot take and keeps the real names visible', () => {
    const t = table('注文', { columns: [{ ...table('x').columns[0]!, name: '番号', comment: '主キー' }], primaryKey: ['番号'] });
    const text = tableMermaid('app', t, [], []);
    expect(text).toContain('e1["注文"] {');
    expect(text).toContain('int col1 PK "番号: 主キー"');
  });
});

describe('crawl helpers', () => {
  it('quotes identifiers and refuses impossible ones', () => {
    expect(quoteIdent('a`b')).toBe('`a``b`');
    expect(() => quoteIdent('')).toThrow();
    expect(() => quoteIdent('a\0b')).toThrow();
  });

  it('strips AUTO_INCREMENT=n from the table options only', () => {
    const ddl = "CREATE TABLE `t` (\n  `c` varchar(30) DEFAULT 'AUTO_INCREMENT=5'\n) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4";
    expect(stripAutoIncrement(ddl)).toBe("CREATE TABLE `t` (\n  `c` varchar(30) DEFAULT 'AUTO_INCREMENT=5'\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  });
});

describe('parameters baseline', () => {
  it('parses mariadbd --help --verbose and compares values loosely but exactly', () => {
    const help = 'Variables (--variable-name=value)\nand boolean options {FALSE|TRUE}  Value (after reading options)\n--------------------------------- ----------\nmax-connections  151\nautocommit  TRUE\nbind-address  (No default value)\n\nTo see what values';
    expect(parseHelpVerbose(help)).toEqual({ autocommit: 'TRUE', bind_address: '(No default value)', max_connections: '151' });
    expect(normalizeValue('TRUE')).toBe('ON');
    expect(normalizeValue('100.000000')).toBe('100');
    const baseline = { id: 'b', flavor: 'mariadb' as const, version: '10.11', source: 's', values: { autocommit: 'TRUE', max_connections: '151' } };
    expect(differsFromBaseline(baseline, 'autocommit', 'ON')).toBe(false);
    expect(differsFromBaseline(baseline, 'max_connections', '500')).toBe(true);
    expect(differsFromBaseline(baseline, 'unknown_var', '1')).toBeUndefined();
  });

  it('compares values by meaning: paths, units, boolean spellings, lists and flag sets', () => {
    expect(compareWithDefault('/usr', '/usr/')).toEqual({ differs: false });
    expect(compareWithDefault('/var/lib/mysql', '/srv/mysql/')).toEqual({ differs: true });
    expect(compareWithDefault('134217728', '128M')).toEqual({ differs: false });
    expect(compareWithDefault('1G', '1073741824')).toEqual({ differs: false });
    expect(compareWithDefault('ON', '1')).toEqual({ differs: false });
    expect(compareWithDefault('OFF', 'FALSE')).toEqual({ differs: false });
    expect(compareWithDefault('2', 'ON')).toEqual({ differs: true });
    expect(compareWithDefault('NO_ENGINE_SUBSTITUTION,STRICT_TRANS_TABLES', 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION')).toEqual({ differs: false });
    expect(compareWithDefault('STRICT_TRANS_TABLES', 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION')).toEqual({ differs: true });
    // A "(No default value)" placeholder matches the server's spellings of "nothing set".
    expect(compareWithDefault('OFF', '(No default value)')).toEqual({ differs: false });
    expect(compareWithDefault('./', '(No default value)')).toEqual({ differs: false });
    expect(compareWithDefault('10.0.0.5', '')).toEqual({ differs: true });
    // Flags the baseline does not list (a newer server's) are no difference; changed ones are named.
    expect(compareWithDefault('mrr=off,index_merge=on,new_flag=on', 'index_merge=on,mrr=off')).toEqual({ differs: false });
    expect(compareWithDefault('mrr=on,index_merge=on,new_flag=on', 'index_merge=on,mrr=off')).toEqual({ differs: true, flags: ['mrr=on'] });
  });

  it('tells settings apart from values the server computes, host identity, paths and build facts', () => {
    expect(['sql_mode', 'character_set_server', 'max_connections', 'innodb_buffer_pool_size', 'optimizer_switch'].map(classifyVariable)).toEqual(['choice', 'choice', 'choice', 'choice', 'choice']);
    expect(['innodb_io_capacity_max', 'innodb_open_files', 'innodb_buffer_pool_size_auto_min', 'character_set_client'].map(classifyVariable)).toEqual(['computed', 'computed', 'computed', 'computed']);
    expect(['server_uid', 'pid_file', 'report_port', 'hostname', 'server_id'].map(classifyVariable)).toEqual(['host', 'host', 'host', 'host', 'host']);
    expect(['basedir', 'datadir', 'innodb_undo_directory', 'socket', 'plugin_dir', 'tmpdir'].map(classifyVariable)).toEqual(['path', 'path', 'path', 'path', 'path', 'path']);
    expect(['version', 'version_comment', 'have_ssl'].map(classifyVariable)).toEqual(['build', 'build', 'build']);
  });

  it('reads what each option does from --help --verbose', () => {
    const help = [
      '  -C, --character-set-server=name ',
      '                      Set the default character set.',
      '  --sql-mode=name     Sets the sql mode. Any combination of: REAL_AS_FLOAT,',
      '                      PIPES_AS_CONCAT',
      '  --skip-name-resolve Don\'t resolve hostnames. All hostnames are IP\'s or',
      "                      'localhost'.",
      '',
      'Variables (--variable-name=value)',
      '--------------------------------- ----------',
    ].join('\n');
    expect(parseHelpDescriptions(help)).toEqual({ character_set_server: 'Set the default character set.', skip_name_resolve: "Don't resolve hostnames.", sql_mode: 'Sets the sql mode.' });
  });

  it('puts the settings an operator changed first, with what they do, and keeps noise out of them', () => {
    const variables = {
      basedir: '/usr',
      bind_address: '127.0.0.1',
      character_set_client: 'utf8mb4',
      character_set_server: 'utf8mb4',
      innodb_io_capacity_max: '2000',
      log_bin: 'OFF',
      optimizer_switch: 'index_merge=on,mrr=off,cset_narrowing=off',
      pid_file: '/run/mysqld/mysqld.pid',
      server_uid: 'abc=',
      sql_mode: 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO',
    };
    const baseline = {
      id: 'mariadb-10.11',
      flavor: 'mariadb' as const,
      version: '10.11',
      source: 'stock server',
      values: { basedir: '/usr/', bind_address: '', character_set_client: 'latin1', character_set_server: 'latin1', innodb_io_capacity_max: '4000', log_bin: 'OFF', optimizer_switch: 'index_merge=on,mrr=off', sql_mode: 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER' },
      descriptions: { sql_mode: 'Sets the sql mode.', character_set_server: 'Set the default character set.' },
    };
    const page = renderParametersPage({ clusterId: 'db1', environment: 'prod', server: { version: '10.11.19-MariaDB', versionComment: '', flavor: 'mariadb' }, variables }, baseline, []);
    const changed = page.split('## Changed from the engine default')[1]!.split('##')[0]!;
    expect(changed).toContain('| **`bind_address`** | `127.0.0.1` | \'\' |');
    expect(changed).toContain('| **`character_set_server`** | `utf8mb4` | `latin1` | Set the default character set. |');
    expect(changed).toContain('| **`sql_mode`** | `STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO` | `STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER` | Sets the sql mode. |');
    expect(changed.match(/\| \*\*`/g)).toHaveLength(3);
    const incidental = page.split('## Differs from the default, but not a choice')[1]!.split('## All')[0]!;
    expect(incidental).toContain('| `character_set_client` | computed by the server | `utf8mb4` | `latin1` |');
    expect(incidental).toContain('| `innodb_io_capacity_max` | computed by the server | `2000` | `4000` |');
    expect(page).toContain('3 settings changed from the engine defaults, 2 more values differ');
  });

  it('lists fleet drift per environment and engine: the usual value and the clusters that differ', () => {
    const server = { version: '10.11.19-MariaDB', versionComment: '', flavor: 'mariadb' as const };
    const at = (clusterId: string, environment: string, variables: Record<string, string>) => ({ clusterId, environment, engine: 'mariadb', server, variables });
    const page = renderParameterDrift([
      at('prod-a', 'prod', { max_connections: '500', long_query_time: '1', hostname: 'a', basedir: '/usr/' }),
      at('prod-b', 'prod', { max_connections: '500', long_query_time: '1.000000', hostname: 'b', basedir: '/usr' }),
      at('prod-c', 'prod', { max_connections: '300', long_query_time: '1', hostname: 'c', basedir: '/usr/' }),
      at('dev-a', 'dev', { max_connections: '10', long_query_time: '1', hostname: 'd', basedir: '/usr' }),
    ]);
    expect(page).toContain('## `prod` · mariadb (3 clusters)');
    expect(page).toContain('| `max_connections` | `500` (2 of 3) | [`prod-c`](prod-c/parameters.md): `300` |');
    expect(page).not.toContain('`long_query_time`');
    expect(page).not.toContain('`hostname`');
    expect(page).not.toContain('`basedir`');
    expect(page).toContain('## `dev` · mariadb (1 cluster)\n\nOne cluster: nothing to compare.');
  });
});

describe('changelog', () => {
  it('lists schema and parameter changes, ignoring sizes and row estimates', () => {
    const before = snapshot([table('a'), table('gone')], { max_connections: '151', old_var: '1' });
    const a2 = table('a', {
      rowsEstimate: 999,
      dataLength: 1 << 20,
      columns: [{ ...table('a').columns[0]!, type: 'bigint(20)' }, { ...table('a').columns[0]!, name: 'note', position: 2, type: 'text', nullable: true }],
      checks: [{ name: 'ck', clause: '`id` > 0' }],
    });
    const after = snapshot([a2, table('new')], { max_connections: '200', new_var: 'x' });
    const diff = diffSnapshots(before, after);
    expect(diff.schema).toEqual([
      '`app.a`: column `id` changed: type `int(11)` → `bigint(20)`',
      '`app.a`: column `note` added: `text` NULL',
      "`app.a`: check `ck` added: `'id' > 0`",
      '`app.new`: table added (1 columns)',
      '`app.gone`: table removed',
    ]);
    expect(diff.parameters).toEqual(['parameter `max_connections`: `151` → `200`', 'parameter `new_var` added: `x`', 'parameter `old_var` removed (was `1`)']);
    const sizesOnly = diffSnapshots(before, snapshot([table('a', { rowsEstimate: 5, autoIncrement: 7 }), table('gone')], before.variables));
    expect(sizesOnly).toEqual({ schema: [], parameters: [], server: [] });
    expect(changeEntry(after, sizesOnly)).toBeUndefined();
  });

  it('keeps the newest entry first under the header', () => {
    const one = prependEntry(undefined, 'c', '## t1\n\n- a\n');
    const two = prependEntry(one, 'c', '## t2\n\n- b\n');
    expect(two.indexOf('## t2')).toBeLessThan(two.indexOf('## t1'));
    expect(two.startsWith('# Changelog of cluster `c`')).toBe(true);
    expect(two.match(/# Changelog/g)).toHaveLength(1);
  });
});

describe('size trend', () => {
  it('keeps a point per crawl whose sizes moved, and shows growth on the table, schema and cluster pages', async () => {
    const day1 = benchSchemaEntry('shop', 3);
    const h1 = withPoint(parseSizeHistory(undefined, 'shop'), day1, '2026-11-01T03:00:00.000Z');
    // Same sizes the next night: no new point.
    expect(withPoint(h1, day1, '2026-11-02T03:00:00.000Z')).toBe(h1);
    const day3 = benchSchemaEntry('shop', 3);
    day3.tables[1]!.dataLength = 16384 + 1024 * 1024; // t_2 grew by 1 MiB
    day3.tables[2]!.indexLength = 32768 + 4096; // t_3 by 4 KiB
    const h3 = withPoint(h1, day3, '2026-11-03T03:00:00.000Z');
    expect(h3.points.map((p) => p.at)).toEqual(['2026-11-01T03:00:00.000Z', '2026-11-03T03:00:00.000Z']);
    expect(h3.points[1]!.tables['t_2']).toEqual([0, 16384 + 32768 + 1048576]);
    expect(growers(h3).map((g) => [g.table, g.to - g.from])).toEqual([
      ['t_2', 1048576],
      ['t_3', 4096],
    ]);

    const snap = { ...snapshot([]), schemas: [day3] } as Snapshot;
    const files = await renderCluster(snap, { sizes: new Map([['shop', h3]]) });
    const text = (p: string) => files.get(p)?.content ?? '';
    expect(text(paths.schemaSizes('c', 'shop'))).toContain('"sizesVersion": 1');
    expect(text(paths.tableSizeSvg('c', 'shop', 't_2'))).toContain('<polyline');
    expect(text(paths.table('c', 'shop', 't_2'))).toContain('![Size of t\\_2 over time](t_2.size.svg)');
    expect(files.has(paths.tableSizeSvg('c', 'shop', 't_1'))).toBe(false); // never moved: no chart
    expect(text(paths.schemaIndex('c', 'shop'))).toContain('| [`t_2`](tables/t_2.md) | 48.0 KiB | 1.0 MiB | +1.0 MiB | 2133% | 2026-11-01 |');
    expect(text(paths.clusterIndex('c'))).toContain('## Top growers');
    expect(text(paths.clusterIndex('c'))).toContain('| [`shop.t_2`](schemas/shop/tables/t_2.md) |');
  });
});
