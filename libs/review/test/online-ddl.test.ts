import { resolveConfig, reviewSql, type OnlineDdlVerdict } from '../src';
import { shopLive } from './helpers';

function verdict(sql: string, options: Parameters<typeof reviewSql>[1] = {}): OnlineDdlVerdict | undefined {
  const result = reviewSql(sql, options);
  return result.statements.filter((s) => s.onlineDdl).at(-1)?.onlineDdl;
}

const live = shopLive();

describe('online DDL classification (MySQL 8.0 manual tables)', () => {
  it.each([
    ['ALTER TABLE users ADD COLUMN a int NULL', 'INSTANT', false],
    ['ALTER TABLE users ADD COLUMN a int NULL AFTER id', 'INSTANT', false],
    ['ALTER TABLE users DROP COLUMN legacy_code', 'INSTANT', false],
    ['ALTER TABLE users RENAME COLUMN legacy_code TO old_code', 'INSTANT', false],
    ['ALTER TABLE users ALTER COLUMN status SET DEFAULT \'active\'', 'INSTANT', false],
    ['ALTER TABLE users ADD INDEX idx_x (email)', 'INPLACE', false],
    ['ALTER TABLE users DROP INDEX idx_created_at', 'INPLACE', false],
    ['ALTER TABLE users MODIFY legacy_code varchar(40) NULL', 'INPLACE', false],
    ['ALTER TABLE users MODIFY legacy_code varchar(100) NULL', 'COPY', true],
    ['ALTER TABLE users MODIFY legacy_code varchar(20) NOT NULL', 'INPLACE', true],
    ['ALTER TABLE users MODIFY email text NOT NULL', 'COPY', true],
    ["ALTER TABLE users MODIFY status enum('active','closed','banned') NOT NULL", 'INSTANT', false],
    ["ALTER TABLE users MODIFY status enum('closed','active') NOT NULL", 'COPY', true],
    ['ALTER TABLE users ADD COLUMN g int AS (id + 1) STORED', 'COPY', true],
    ['ALTER TABLE users ADD COLUMN seq bigint NOT NULL AUTO_INCREMENT', 'INPLACE', true],
    ['ALTER TABLE users DROP PRIMARY KEY', 'COPY', true],
    ['ALTER TABLE users DROP PRIMARY KEY, ADD PRIMARY KEY (id, email)', 'INPLACE', true],
    ['ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4', 'COPY', true],
    ['ALTER TABLE users ENGINE=InnoDB', 'INPLACE', true],
    ['ALTER TABLE users ADD FULLTEXT INDEX ft_email (email)', 'INPLACE', true],
    ['ALTER TABLE users RENAME TO members', 'INSTANT', false],
    ['ALTER TABLE users AUTO_INCREMENT = 1000', 'INPLACE', false],
  ] as const)('%s -> %s', (sql, algorithm, rebuild) => {
    const v = verdict(sql, { live });
    expect(v).toMatchObject({ algorithm, rebuild });
  });

  it('lets the worst clause decide and suggests the clause to add', () => {
    const v = verdict('ALTER TABLE users ADD COLUMN a int NULL, ADD INDEX idx_a (a)', { live });
    expect(v).toMatchObject({ algorithm: 'INPLACE', lock: 'NONE', suggestion: 'ALGORITHM=INPLACE, LOCK=NONE' });
    expect(v?.clauses.map((c) => c.algorithm)).toEqual(['INSTANT', 'INPLACE']);
  });

  it('assumes a copy when the old column definition is unknown, and uses an earlier CREATE in the file', () => {
    expect(verdict('ALTER TABLE t MODIFY a varchar(40) NULL')).toMatchObject({ algorithm: 'COPY' });
    expect(verdict('CREATE TABLE t (id int NOT NULL PRIMARY KEY, a varchar(20) NULL);\nALTER TABLE t MODIFY a varchar(40) NULL')).toMatchObject({ algorithm: 'INPLACE', rebuild: false });
  });

  it('follows the server version: no INSTANT on 5.7, ADD COLUMN ... AFTER only from 8.0.29', () => {
    expect(verdict('ALTER TABLE users ADD COLUMN a int NULL', { config: resolveConfig({ dialect: 'mysql57' }) })).toMatchObject({ algorithm: 'INPLACE', rebuild: true });
    // The crawled server's version decides: a 5.7 snapshot gets no INSTANT whatever the config says.
    expect(verdict('ALTER TABLE users ADD COLUMN a int NULL', { live: { ...live, serverVersion: '5.7.44' } })).toMatchObject({ algorithm: 'INPLACE', rebuild: true });
    expect(verdict('ALTER TABLE users ADD COLUMN a int NULL AFTER id', { config: resolveConfig({ mysqlVersion: '8.0.28' }) })).toMatchObject({ algorithm: 'INPLACE' });
    expect(verdict('ALTER TABLE users ADD COLUMN a int NULL', { config: resolveConfig({ mysqlVersion: '8.0.28' }) })).toMatchObject({ algorithm: 'INSTANT' });
    // The crawled server says 8.0.32: that beats the configured version.
    expect(verdict('ALTER TABLE users ADD COLUMN a int NULL AFTER id', { live, config: resolveConfig({ mysqlVersion: '8.0.28' }) })).toMatchObject({ algorithm: 'INSTANT' });
  });

  it('says how big the rebuilt table is, from the snapshot', () => {
    const result = reviewSql('ALTER TABLE orders MODIFY note varchar(200) NULL', { live });
    expect(result.findings.find((f) => f.ruleId === 'context-large-table-rebuild')?.message).toBe('This ALTER copies (and blocks writes to) a 12 GB table (`orders`, about 210,000,000 rows).');
  });
});
