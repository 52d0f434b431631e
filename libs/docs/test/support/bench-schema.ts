import type { Column, SchemaEntry, Table } from '../../src';

/**
 * The benchmark's schema shape (tools/bench/docs: 250 tables, 8 columns, a unique and a composite
 * index, table i referencing table i/2) as snapshot facts, without a database.
 */
export function benchSchemaEntry(name = 'bench_01', count = 250): SchemaEntry {
  const col = (n: string, position: number, type: string, nullable: boolean): Column => ({
    name: n,
    position,
    type,
    dataType: type.replace(/\(.*$/, '').split(' ')[0] as string,
    nullable,
    default: null,
    extra: '',
    generated: null,
    generationExpression: null,
    charset: null,
    collation: null,
    comment: '',
  });
  const tables: Table[] = [];
  for (let i = 1; i <= count; i++) {
    const parent = i > 1 ? Math.floor(i / 2) : 0;
    tables.push({
      name: `t_${i}`,
      engine: 'InnoDB',
      rowFormat: 'Dynamic',
      collation: 'utf8mb4_unicode_ci',
      comment: `table ${i} of ${name}`,
      createOptions: '',
      rowsEstimate: 0,
      dataLength: 16384,
      indexLength: 32768,
      autoIncrement: 1,
      columns: [
        col('id', 1, 'bigint(20) unsigned', false),
        col('code', 2, 'varchar(40)', false),
        col('name', 3, 'varchar(200)', false),
        col('status', 4, "enum('new','active','closed')", false),
        col('amount', 5, 'decimal(12,2)', true),
        col('parent_id', 6, 'bigint(20) unsigned', true),
        col('created_at', 7, 'datetime', false),
        col('updated_at', 8, 'datetime', true),
      ],
      primaryKey: ['id'],
      indexes: [
        { name: 'PRIMARY', unique: true, primary: true, type: 'BTREE', columns: [{ name: 'id', subPart: null, descending: false, expression: null }], comment: '', visible: true },
        { name: 'uk_code', unique: true, primary: false, type: 'BTREE', columns: [{ name: 'code', subPart: null, descending: false, expression: null }], comment: '', visible: true },
      ],
      foreignKeys: parent
        ? [{ name: `fk_t_${i}_parent`, columns: ['parent_id'], referencedSchema: name, referencedTable: `t_${parent}`, referencedColumns: ['id'], onUpdate: 'RESTRICT', onDelete: 'RESTRICT', cardinality: { child: 'zero-or-more', parent: 'zero-or-one' } }]
        : [],
      checks: [],
      triggers: [],
      partitioning: null,
      ddl: '',
    });
  }
  return { name, charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci', tables, views: [], routines: [] };
}
