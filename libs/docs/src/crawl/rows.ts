import type { Row } from './connection';

/** Typed reads of information_schema rows; column names are upper-case on MySQL and MariaDB. */
export function text(row: Row, key: string): string {
  const v = row[key] ?? row[key.toLowerCase()];
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

export function textOrNull(row: Row, key: string): string | null {
  const v = row[key] ?? row[key.toLowerCase()];
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

export function numOrNull(row: Row, key: string): number | null {
  const v = row[key] ?? row[key.toLowerCase()];
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function has(row: Row | undefined, key: string): boolean {
  return row !== undefined && (key in row || key.toLowerCase() in row);
}

/** Code-point order, independent of locale: the basis of deterministic output. */
export function byName<T extends { name: string | null }>(a: T, b: T): number {
  return compareText(a.name ?? '', b.name ?? '');
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Groups rows by a key built from each row, keeping the rows' order. */
export function groupBy<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = out.get(key);
    if (list) list.push(row);
    else out.set(key, [row]);
  }
  return out;
}
