import { changeEntry, diffSnapshots, differsFromBaseline, normalizeValue, parseHelpVerbose, prependEntry, quoteIdent, segment, stripAutoIncrement, type Snapshot, type Table } from '../src';
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
