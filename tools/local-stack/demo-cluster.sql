-- The demo cluster's schemas, applied by `npm start` (idempotent).
CREATE DATABASE IF NOT EXISTS demo_shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS demo_billing CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS demo_shop.customers (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  email VARCHAR(255) NOT NULL COMMENT 'ログイン用メールアドレス',
  display_name VARCHAR(100) NOT NULL COMMENT '表示名',
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY uk_customers_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='顧客';

CREATE TABLE IF NOT EXISTS demo_shop.products (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  sku VARCHAR(64) NOT NULL,
  name VARCHAR(200) NOT NULL COMMENT '商品名',
  price_yen DECIMAL(12,0) NOT NULL CHECK (price_yen >= 0),
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY uk_products_sku (sku),
  FULLTEXT KEY ft_products_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='商品';

CREATE TABLE IF NOT EXISTS demo_shop.orders (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  customer_id BIGINT UNSIGNED NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
  total_yen DECIMAL(12,0) NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  KEY idx_orders_customer_id (customer_id),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES demo_shop.customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='注文';

CREATE TABLE IF NOT EXISTS demo_shop.order_items (
  order_id BIGINT UNSIGNED NOT NULL,
  line_no SMALLINT UNSIGNED NOT NULL,
  product_id BIGINT UNSIGNED NOT NULL,
  quantity INT UNSIGNED NOT NULL DEFAULT 1,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (order_id, line_no),
  KEY idx_order_items_product_id (product_id),
  CONSTRAINT fk_order_items_order FOREIGN KEY (order_id) REFERENCES demo_shop.orders (id),
  CONSTRAINT fk_order_items_product FOREIGN KEY (product_id) REFERENCES demo_shop.products (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='注文明細';

CREATE OR REPLACE VIEW demo_shop.v_order_totals AS
  SELECT o.id AS order_id, o.customer_id, SUM(i.quantity * p.price_yen) AS total_yen
  FROM demo_shop.orders o JOIN demo_shop.order_items i ON i.order_id = o.id JOIN demo_shop.products p ON p.id = i.product_id
  GROUP BY o.id, o.customer_id;

CREATE TABLE IF NOT EXISTS demo_billing.invoices (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  order_id BIGINT UNSIGNED NOT NULL COMMENT 'demo_shop.orders.id',
  issued_on DATE NOT NULL,
  amount_yen DECIMAL(12,0) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id, issued_on),
  KEY idx_invoices_order_id (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='請求書'
  PARTITION BY RANGE COLUMNS (issued_on) (
    PARTITION p2025 VALUES LESS THAN ('2026-01-01'),
    PARTITION p2026 VALUES LESS THAN ('2027-01-01'),
    PARTITION pmax VALUES LESS THAN (MAXVALUE)
  );

INSERT IGNORE INTO demo_shop.customers (id, email, display_name) VALUES
  (1, 'hanako@example.com', '山田花子'), (2, 'taro@example.com', '佐藤太郎');
INSERT IGNORE INTO demo_shop.products (id, sku, name, price_yen) VALUES
  (1, 'TEA-001', '緑茶 500ml', 150), (2, 'RICE-005', '新潟県産コシヒカリ 5kg', 2980);
INSERT IGNORE INTO demo_shop.orders (id, customer_id, status, total_yen) VALUES (1, 1, 'paid', 3130);
INSERT IGNORE INTO demo_shop.order_items (order_id, line_no, product_id, quantity) VALUES (1, 1, 1, 1), (1, 2, 2, 1);

-- The doc-crawler's read-only login (see platform.local.yaml).
CREATE USER IF NOT EXISTS 'dbre_docs_reader'@'%' IDENTIFIED BY 'local-demo-reader-Pw-42';
CREATE USER IF NOT EXISTS 'dbre_docs_reader'@'localhost' IDENTIFIED BY 'local-demo-reader-Pw-42';
GRANT SELECT, SHOW VIEW, PROCESS ON *.* TO 'dbre_docs_reader'@'%';
GRANT SELECT, SHOW VIEW, PROCESS ON *.* TO 'dbre_docs_reader'@'localhost';
