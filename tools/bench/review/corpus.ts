/** A deterministic corpus of realistic migrations: CREATE TABLE, every common ALTER, indexes, drops. */
export function generateCorpus(statements: number, seed = 7): string {
  let s = seed;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
  const types = ['BIGINT UNSIGNED', 'INT', 'VARCHAR(255)', 'VARCHAR(64)', 'DECIMAL(15,2)', 'DATETIME', 'TINYINT(1)', 'TEXT', 'JSON', "ENUM('a','b')", 'DOUBLE', 'int(11)'];
  const out: string[] = [];
  let t = 0;
  while (out.length < statements) {
    t += 1;
    const table = `tbl_${t}`;
    const cols = Array.from({ length: 6 + rnd(10) }, (_, i) => `  \`col_${i}\` ${types[rnd(types.length)]} ${rnd(3) ? 'NOT NULL' : 'NULL'}${rnd(2) ? " DEFAULT '0'" : ''}${rnd(2) ? ` COMMENT '列 ${i} の説明'` : ''}`);
    out.push(
      `-- migration for ${table}\nCREATE TABLE \`${table}\` (\n  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,\n${cols.join(',\n')},\n  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n  PRIMARY KEY (id),\n  KEY idx_col_0 (col_0),\n  KEY idx_col_0_1 (col_0, col_1)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='table ${t}';`,
      `ALTER TABLE \`${table}\` ADD COLUMN extra_${t} VARCHAR(50) NOT NULL DEFAULT '' COMMENT 'x' AFTER id, ADD INDEX idx_extra (extra_${t}), ALGORITHM=INPLACE, LOCK=NONE;`,
      `ALTER TABLE ${table} MODIFY col_1 VARCHAR(100) NULL, DROP COLUMN col_2;`,
      `CREATE UNIQUE INDEX uk_${t} ON ${table} (col_3, col_4);`,
      `ALTER TABLE ${table} RENAME COLUMN col_5 TO col_5b, ALTER COLUMN col_0 SET DEFAULT 1;`,
      rnd(4) === 0 ? `DROP TABLE IF EXISTS old_${table};` : `ALTER TABLE ${table} CONVERT TO CHARACTER SET utf8mb4;`,
      `INSERT INTO ${table} (id) VALUES (1), (2), (3);`,
    );
  }
  return out.slice(0, statements).join('\n');
}

/** A snapshot in the doc-crawler's shape holding every table of the corpus, some of them large. */
export function generateSnapshot(tables: number): unknown {
  return {
    clusters: [
      {
        id: 'bench',
        schemas: [
          {
            name: 'app',
            tables: Array.from({ length: tables }, (_, i) => ({
              name: `old_tbl_${i + 1}`,
              rows: i * 1000,
              dataLength: i * 50_000_000,
              indexLength: 0,
              columns: [{ name: 'id', type: 'bigint unsigned', nullable: false }],
              indexes: [{ name: 'PRIMARY', primary: true, columns: ['id'] }],
            })),
            views: [{ name: 'v_old', definition: 'select `id` from `old_tbl_1`' }],
          },
        ],
      },
    ],
  };
}
