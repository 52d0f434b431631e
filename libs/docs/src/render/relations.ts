import type { ForeignKey, Snapshot, Table } from '../snapshot';
import { compareText } from '../crawl/rows';

export interface ChildReference {
  schema: string;
  table: string;
  fk: ForeignKey;
}

export const tableKey = (schema: string, table: string) => `${schema}\0${table}`;

/** Foreign keys seen from the parent side: which tables reference each table. */
export function childrenIndex(snapshot: Snapshot): Map<string, ChildReference[]> {
  const out = new Map<string, ChildReference[]>();
  for (const s of snapshot.schemas) {
    for (const t of s.tables) {
      for (const fk of t.foreignKeys) {
        const key = tableKey(fk.referencedSchema, fk.referencedTable);
        const list = out.get(key) ?? [];
        list.push({ schema: s.name, table: t.name, fk });
        out.set(key, list);
      }
    }
  }
  for (const list of out.values()) {
    list.sort((a, b) => compareText(a.schema, b.schema) || compareText(a.table, b.table) || compareText(a.fk.name, b.fk.name));
  }
  return out;
}

/** Columns that take part in a key (primary, unique or foreign). */
export function keyColumns(t: Table): { pk: Set<string>; fk: Set<string>; uk: Set<string> } {
  const pk = new Set(t.primaryKey);
  const fk = new Set(t.foreignKeys.flatMap((f) => f.columns));
  const uk = new Set(t.indexes.filter((i) => i.unique && !i.primary).flatMap((i) => i.columns.map((c) => c.name ?? '')));
  return { pk, fk, uk };
}
