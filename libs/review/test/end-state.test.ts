import { resolveConfig, reviewSql, type OnlineDdlVerdict } from '../src';
import { shopLive } from './helpers';

const live = shopLive();
const ids = (sql: string, options: Parameters<typeof reviewSql>[1] = {}): string[] => reviewSql(sql, options).findings.map((f) => f.ruleId);
const where = (sql: string, id: string, options: Parameters<typeof reviewSql>[1] = {}): number[] => reviewSql(sql, options).findings.filter((f) => f.ruleId === id).map((f) => f.line);
const verdict = (sql: string, options: Parameters<typeof reviewSql>[1] = {}): OnlineDdlVerdict | undefined => reviewSql(sql, options).statements.filter((s) => s.onlineDdl).at(-1)?.onlineDdl;

describe('what a table must have is judged on the state the file leaves', () => {
  it('does not flag a primary key added later in the same file', () => {
    expect(ids('CREATE TABLE t (id INT NOT NULL);\nALTER TABLE t ADD PRIMARY KEY (id);')).not.toContain('table-require-primary-key');
  });

  it('reports at the statement that leaves the table without a primary key', () => {
    expect(where('CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a int);\nALTER TABLE t ADD COLUMN b int;\nALTER TABLE t DROP COLUMN id;', 'table-require-primary-key')).toEqual([3]);
    expect(where('CREATE TABLE t (id INT NOT NULL PRIMARY KEY);\nDROP INDEX `PRIMARY` ON t;', 'table-require-primary-key')).toEqual([2]);
    expect(where('CREATE TABLE t (a INT);\nALTER TABLE t ADD COLUMN b int;', 'table-require-primary-key')).toEqual([1]);
  });

  it('judges a comment, audit columns and charset added by a later ALTER', () => {
    const sql = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY);\nALTER TABLE t COMMENT='注文', DEFAULT CHARSET=utf8mb4, ADD COLUMN created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP, ADD COLUMN updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP;";
    const found = ids(sql);
    for (const id of ['table-require-comment', 'table-require-audit-columns', 'table-charset']) expect(found).not.toContain(id);
  });

  it('applies the file on top of the snapshot and does not blame it for what the live table already lacked', () => {
    // users in the snapshot has a primary key: dropping it is this file's doing.
    expect(where('ALTER TABLE users DROP PRIMARY KEY;', 'table-require-primary-key', { live })).toEqual([1]);
    // adding a column to a live table does not re-raise its old shortcomings.
    expect(ids('ALTER TABLE users ADD COLUMN nickname varchar(50) NULL;', { live })).not.toContain('table-require-audit-columns');
  });

  it('forgets a table the file drops and follows one it renames', () => {
    expect(ids('CREATE TABLE t (a int);\nDROP TABLE t;')).not.toContain('table-require-primary-key');
    expect(where('CREATE TABLE t (id int NOT NULL PRIMARY KEY);\nRENAME TABLE t TO t2;\nALTER TABLE t2 DROP PRIMARY KEY;', 'table-require-primary-key')).toEqual([3]);
  });
});

describe('missed problems', () => {
  it('flags TRUNCATE PARTITION and DROP PARTITION as destructive', () => {
    expect(ids('ALTER TABLE orders TRUNCATE PARTITION p2019')).toContain('safety-truncate');
    expect(ids('ALTER TABLE orders DROP PARTITION p2019')).toContain('safety-drop-partition');
  });

  it('sees DROP INDEX `PRIMARY` as dropping the primary key, with a COPY verdict', () => {
    expect(verdict('ALTER TABLE users DROP INDEX `PRIMARY`', { live })).toMatchObject({ algorithm: 'COPY' });
    expect(ids('ALTER TABLE t DROP INDEX `PRIMARY`')).toContain('table-require-primary-key');
  });

  it('checks RENAME COLUMN and RENAME INDEX targets with the naming rules', () => {
    expect(ids('ALTER TABLE t RENAME COLUMN a TO `Order`')).toEqual(expect.arrayContaining(['naming-column-pattern', 'naming-reserved-word']));
    expect(ids('ALTER TABLE users RENAME INDEX idx_created_at TO bad_name', { live })).toContain('naming-index-prefix');
    expect(ids('ALTER TABLE users RENAME INDEX idx_created_at TO idx_users_created_at', { live })).not.toContain('naming-index-prefix');
  });

  it('says what MODIFY silently drops', () => {
    const result = reviewSql("CREATE TABLE t (id int NOT NULL PRIMARY KEY, b int NOT NULL DEFAULT 0 COMMENT 'qty');\nALTER TABLE t MODIFY b INT;");
    const f = result.findings.find((x) => x.ruleId === 'column-modify-drops-attributes');
    expect(f?.message).toBe("MODIFY `b` drops its COMMENT 'qty', NOT NULL (it becomes nullable), its DEFAULT '0'.");
    expect(result.findings.map((x) => x.ruleId)).toEqual(expect.arrayContaining(['column-require-comment', 'column-not-null']));
  });

  it('refuses an index that lists a column twice', () => {
    expect(ids('CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, INDEX idx_a (a, a))')).toContain('index-duplicate-column');
  });
});

describe('wrong alarms', () => {
  it('takes ZEROFILL as UNSIGNED and SERIAL as AUTO_INCREMENT', () => {
    const found = ids('CREATE TABLE t (id INT ZEROFILL NOT NULL AUTO_INCREMENT PRIMARY KEY, s SERIAL NOT NULL)');
    expect(found).not.toContain('column-auto-increment-unsigned');
    expect(found).not.toContain('column-not-null-default');
  });

  it('says an index duplicates one created earlier in the file, not one in the database', () => {
    const f = reviewSql('CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int, KEY idx_a (a));\nCREATE INDEX idx_a2 ON t (a);').findings.find((x) => x.ruleId === 'index-duplicate');
    expect(f?.message).toBe('`idx_a2` on (a) duplicates `idx_a` (created earlier in this file).');
    const g = reviewSql('CREATE INDEX idx_email2 ON users (email)', { live }).findings.find((x) => x.ruleId === 'index-duplicate');
    expect(g?.message).toContain('(already in the database)');
  });
});

describe('valid MySQL the grammar missed', () => {
  it.each([
    'CREATE TABLE t (a int NOT NULL, PRIMARY KEY pk (a))',
    'ALTER TABLE t ADD PRIMARY KEY pk_a (a)',
    'ALTER TABLE t PARTITION BY HASH(id) PARTITIONS 4',
    'ALTER TABLE t ADD COLUMN x int NULL, PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE)',
  ])('%s is read', (sql) => {
    expect(reviewSql(sql).summary.unparsed).toBe(0);
  });

  it('gives ALTER ... PARTITION BY a COPY verdict and keeps the primary key of PRIMARY KEY pk (a)', () => {
    expect(verdict('ALTER TABLE t PARTITION BY HASH(id) PARTITIONS 4')).toMatchObject({ algorithm: 'COPY' });
    expect(ids('CREATE TABLE t (a int NOT NULL, PRIMARY KEY pk (a))')).not.toContain('table-require-primary-key');
  });

  it('still reports a real syntax error in a statement the rewrite touches', () => {
    expect(ids('ALTER TABLE t ADD PRIMARY KEY pk_a (a,')).toContain('syntax-error');
  });
});

describe('online DDL verdicts that depend on the table', () => {
  it.each([
    ['CREATE TABLE t (a int);\nALTER TABLE t ADD PRIMARY KEY (a)', 'COPY'],
    ['CREATE TABLE t (a int NOT NULL);\nALTER TABLE t ADD PRIMARY KEY (a)', 'INPLACE'],
    ['CREATE TABLE p (id int NOT NULL PRIMARY KEY) PARTITION BY HASH(id) PARTITIONS 4;\nALTER TABLE p ADD COLUMN g int AS (id + 1) VIRTUAL', 'COPY'],
    ['CREATE TABLE p (id int NOT NULL PRIMARY KEY);\nALTER TABLE p ADD COLUMN g int AS (id + 1) VIRTUAL', 'INSTANT'],
    ['CREATE TEMPORARY TABLE tt (id int);\nALTER TABLE tt ADD COLUMN a int', 'INPLACE'],
    ['CREATE TABLE c (id int NOT NULL PRIMARY KEY) ROW_FORMAT=COMPRESSED;\nALTER TABLE c ADD COLUMN a int', 'INPLACE'],
    ['CREATE TABLE l (id int NOT NULL PRIMARY KEY, v varchar(50)) DEFAULT CHARSET=latin1;\nALTER TABLE l MODIFY v varchar(100)', 'INPLACE'],
    ['CREATE TABLE u (id int NOT NULL PRIMARY KEY, v varchar(50)) DEFAULT CHARSET=utf8mb4;\nALTER TABLE u MODIFY v varchar(100)', 'COPY'],
  ])('%s -> %s', (sql, algorithm) => {
    expect(verdict(sql)).toMatchObject({ algorithm });
  });

  it('never answers INSTANT for MySQL 5.7 (appending an ENUM member is INPLACE there)', () => {
    const sql = "CREATE TABLE e (id int NOT NULL PRIMARY KEY, s enum('a','b') NOT NULL);\nALTER TABLE e MODIFY s enum('a','b','c') NOT NULL";
    expect(verdict(sql)).toMatchObject({ algorithm: 'INSTANT' });
    expect(verdict(sql, { config: resolveConfig({ dialect: 'mysql57' }) })).toMatchObject({ algorithm: 'INPLACE', rebuild: false });
    expect(verdict('ALTER TABLE t ADD COLUMN a int NULL', { config: resolveConfig({ dialect: 'mysql57' }) })).toMatchObject({ algorithm: 'INPLACE' });
  });

  it('states the server version the verdicts were computed for', () => {
    expect(reviewSql('SELECT 1').server).toEqual({ dialect: 'mysql80', version: '8.0.32', source: 'config' });
    expect(reviewSql('SELECT 1', { config: resolveConfig({ dialect: 'mysql57' }) }).server).toMatchObject({ dialect: 'mysql57', source: 'config' });
  });
});
