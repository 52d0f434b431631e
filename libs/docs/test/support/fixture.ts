import { createConnection, type Connection } from 'mysql2/promise';
import { testServices } from '@dbre/testing';

/** Root connection to the test MariaDB (multi statements for quick fixture set-up). */
export async function rootConnection(): Promise<Connection> {
  return createConnection({ ...testServices.mysql, multipleStatements: true, charset: 'utf8mb4_general_ci' });
}

/** The rich fixture schema: every feature the docs must show. */
export function richSchemaSql(db: string): string {
  const q = (s: string) => `\`${s}\``;
  return `
CREATE DATABASE ${q(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE ${q(db)};
CREATE TABLE customers (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  email VARCHAR(255) NOT NULL COMMENT 'ログイン用メールアドレス',
  display_name VARCHAR(100) NOT NULL COMMENT '表示名',
  bio TEXT NULL,
  referred_by BIGINT UNSIGNED NULL COMMENT '紹介者 (self reference)',
  PRIMARY KEY (id),
  UNIQUE KEY uk_customers_email (email),
  KEY ix_customers_bio (bio(32)),
  FULLTEXT KEY ft_customers_name (display_name),
  CONSTRAINT fk_customers_referrer FOREIGN KEY (referred_by) REFERENCES customers (id) ON DELETE SET NULL
) ENGINE=InnoDB COMMENT='顧客マスタ';
CREATE TABLE warehouses (
  region CHAR(2) NOT NULL,
  code SMALLINT NOT NULL,
  name VARCHAR(100) NOT NULL COMMENT '倉庫名',
  PRIMARY KEY (region, code)
) ENGINE=InnoDB COMMENT='倉庫';
CREATE TABLE stock (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  wh_region CHAR(2) NOT NULL,
  wh_code SMALLINT NOT NULL,
  qty INT NOT NULL CHECK (qty >= 0),
  price DECIMAL(10,2) NOT NULL,
  total DECIMAL(14,2) AS (qty * price) STORED,
  label VARCHAR(120) AS (CONCAT(wh_region, '-', wh_code)) VIRTUAL,
  PRIMARY KEY (id),
  KEY ix_stock_wh (wh_region, wh_code),
  CONSTRAINT fk_stock_warehouse FOREIGN KEY (wh_region, wh_code) REFERENCES warehouses (region, code) ON UPDATE CASCADE,
  CONSTRAINT chk_stock_price CHECK (price > 0)
) ENGINE=InnoDB AUTO_INCREMENT=1000;
CREATE TABLE \`order\` (
  \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  \`select\` VARCHAR(20) NOT NULL DEFAULT 'a|b' COMMENT 'reserved word column, pipe in default',
  \`group\` INT NULL,
  customer_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (\`id\`),
  KEY \`index\` (customer_id, \`group\`),
  CONSTRAINT fk_order_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB COMMENT='注文 <予約語>';
CREATE TABLE events (
  id BIGINT NOT NULL,
  happened DATE NOT NULL,
  payload VARCHAR(200) NULL,
  PRIMARY KEY (id, happened)
) ENGINE=InnoDB
PARTITION BY RANGE (YEAR(happened)) (
  PARTITION p2024 VALUES LESS THAN (2025) COMMENT '2024年',
  PARTITION p2025 VALUES LESS THAN (2026),
  PARTITION pmax VALUES LESS THAN MAXVALUE
);
CREATE TABLE audit_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL,
  note VARCHAR(100) NOT NULL
) ENGINE=InnoDB;
CREATE TABLE customer_profile (
  customer_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  title VARCHAR(100) NOT NULL DEFAULT 'Untitled',
  points INT NOT NULL DEFAULT 0,
  note VARCHAR(100) NULL DEFAULT NULL,
  CONSTRAINT fk_profile_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB COMMENT='one-to-one with customers';
CREATE TABLE \`hyphen-table\` (
  \`Mixed-Case\` INT NOT NULL PRIMARY KEY,
  \`col-2\` VARCHAR(10) NULL,
  customer_id BIGINT UNSIGNED NULL,
  UNIQUE KEY uk_hyphen_customer (customer_id),
  CONSTRAINT fk_hyphen_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE VIEW v_profiles AS SELECT p.customer_id, p.title, p.points, p.note, h.\`col-2\` FROM customer_profile p JOIN \`hyphen-table\` h ON h.customer_id = p.customer_id;
CREATE TRIGGER trg_order_ai AFTER INSERT ON \`order\` FOR EACH ROW INSERT INTO audit_log (order_id, note) VALUES (NEW.id, '作成');
CREATE TRIGGER trg_order_bu BEFORE UPDATE ON \`order\` FOR EACH ROW SET NEW.\`group\` = COALESCE(NEW.\`group\`, 0);
CREATE VIEW v_customer_orders AS SELECT c.id AS customer_id, c.display_name, COUNT(o.id) AS orders FROM customers c LEFT JOIN \`order\` o ON o.customer_id = c.id GROUP BY c.id, c.display_name;
CREATE FUNCTION f_tax(amount DECIMAL(10,2)) RETURNS DECIMAL(10,2) DETERMINISTIC COMMENT '消費税' RETURN amount * 0.10;
CREATE PROCEDURE p_touch(IN p_id BIGINT, OUT p_count INT) MODIFIES SQL DATA BEGIN UPDATE \`order\` SET \`group\` = 1 WHERE id = p_id; SET p_count = ROW_COUNT(); END;
INSERT INTO customers (email, display_name) VALUES ('a@example.com', '山田太郎');
`;
}

/** A schema of `count` tables chained by foreign keys (every 5th table references the previous one). */
export function wideSchemaSql(db: string, count: number): string {
  const parts = [`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4;`, `USE \`${db}\`;`];
  for (let i = 1; i <= count; i++) {
    const name = `t_${String(i).padStart(4, '0')}`;
    const fk = i > 1 && i % 5 === 0 ? `, parent_id INT NULL, KEY ix_parent (parent_id), CONSTRAINT fk_${name}_parent FOREIGN KEY (parent_id) REFERENCES t_${String(i - 1).padStart(4, '0')} (id)` : '';
    parts.push(`CREATE TABLE ${name} (id INT NOT NULL PRIMARY KEY, code VARCHAR(32) NOT NULL, amount DECIMAL(12,2) NULL, created_at DATETIME NOT NULL, UNIQUE KEY uk_code (code)${fk}) ENGINE=InnoDB COMMENT='テーブル ${i}';`);
  }
  return parts.join('\n');
}

export async function dropDatabases(conn: Connection, names: readonly string[]): Promise<void> {
  for (const n of names) await conn.query(`DROP DATABASE IF EXISTS \`${n}\``);
}
