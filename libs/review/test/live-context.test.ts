import { reviewSql } from '../src';
import { shopLive } from './helpers';

const live = shopLive();
const messages = (sql: string, id: string) => reviewSql(sql, { live }).findings.filter((f) => f.ruleId === id).map((f) => f.message);

describe('reviewing against the live database', () => {
  it('says an index duplicates or is made redundant by one that exists', () => {
    expect(messages('ALTER TABLE orders ADD INDEX idx_uid (user_id)', 'index-duplicate')).toEqual(['`idx_uid` on (user_id) duplicates `idx_user_id` (already in the database).']);
    expect(messages('ALTER TABLE orders ADD INDEX idx_user_total (user_id, total)', 'index-redundant-prefix')).toEqual([expect.stringContaining('The existing index `idx_user_id` (user_id) becomes redundant')]);
  });

  it('knows columns, tables and views that exist', () => {
    expect(messages('ALTER TABLE users ADD COLUMN email varchar(10) NULL', 'context-column-exists')).toEqual(['Column `email` already exists in `users`.']);
    expect(messages('ALTER TABLE users DROP COLUMN email', 'context-view-dependency')).toEqual(['Column `users`.`email` is used by view `v_user_emails`.']);
    expect(messages('DROP TABLE users', 'context-view-dependency')).toEqual(['Table `users` is used by view `v_user_emails`.']);
    expect(messages('CREATE TABLE users (id int)', 'context-table-exists')).toEqual(['Table `users` already exists in shop-prod/shop.']);
  });

  it('follows the migration in order: a column added earlier in the file exists later', () => {
    const sql = 'ALTER TABLE users ADD COLUMN nick varchar(10) NULL;\nALTER TABLE users MODIFY nick varchar(20) NULL;\nALTER TABLE users DROP COLUMN nick;';
    expect(messages(sql, 'context-column-missing')).toEqual([]);
    expect(messages(`${sql}\nALTER TABLE users DROP COLUMN nick;`, 'context-column-missing')).toEqual(['Column `nick` does not exist in `users`.']);
  });

  it('reviews the DDL alone when no snapshot is given, without context findings', () => {
    const result = reviewSql('ALTER TABLE users ADD COLUMN email varchar(10) NULL');
    expect(result.context).toEqual({ status: 'not-requested' });
    expect(result.findings.filter((f) => f.category === 'context')).toEqual([]);
  });
});
