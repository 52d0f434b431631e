import type { ParsedStatement } from '../sql/parse';

/** What the data-change rules need of an INSERT/UPDATE/DELETE/SELECT, read from its text. */
export interface DmlShape {
  verb: string;
  /** Target table (UPDATE, DELETE, INSERT, REPLACE). */
  table?: string;
  where: boolean;
  limit: boolean;
  orderBy: boolean;
  selectStar: boolean;
  /** INSERT names its columns. */
  columnList: boolean;
  /** INSERT ... SELECT. */
  insertSelect: boolean;
  /** Tables read (FROM / JOIN / LIKE). */
  sources: string[];
}

const cache = new WeakMap<ParsedStatement, DmlShape>();

/** Strings and comments become spaces, so keywords inside them are not seen. */
export function maskLiterals(text: string): string {
  return text.replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\//g, (m) => ' '.repeat(m.length));
}

const ident = '`((?:[^`]|``)+)`|([A-Za-z0-9_$]+)';
const unq = (m: RegExpExecArray | null, at = 1): string | undefined => (m ? (m[at] ?? m[at + 1])?.replaceAll('``', '`') : undefined);
const name = (t: string | undefined): string | undefined => t?.split('.').pop();

export function dmlShape(stmt: ParsedStatement): DmlShape {
  const hit = cache.get(stmt);
  if (hit) return hit;
  const text = maskLiterals(stmt.text);
  const verb = (/^\s*([A-Za-z]+)/.exec(text)?.[1] ?? '').toLowerCase();
  let table: string | undefined;
  if (verb === 'update') table = unq(new RegExp(`^\\s*UPDATE\\s+(?:LOW_PRIORITY\\s+)?(?:IGNORE\\s+)?(?:(?:${ident})\\.)?(?:${ident})`, 'i').exec(text), 3);
  else if (verb === 'delete') table = unq(new RegExp(`\\bFROM\\s+(?:(?:${ident})\\.)?(?:${ident})`, 'i').exec(text), 3);
  else if (verb === 'insert' || verb === 'replace') table = unq(new RegExp(`^\\s*(?:INSERT|REPLACE)\\s+(?:LOW_PRIORITY\\s+|DELAYED\\s+|HIGH_PRIORITY\\s+)?(?:IGNORE\\s+)?(?:INTO\\s+)?(?:(?:${ident})\\.)?(?:${ident})`, 'i').exec(text), 3);
  const afterTable = table ? text.slice(text.toLowerCase().indexOf(table.toLowerCase()) + table.length) : '';
  const sources = [...text.matchAll(new RegExp(`\\b(?:FROM|JOIN|LIKE)\\s+(?:(?:${ident})\\.)?(?:${ident})`, 'gi'))].map((m) => name(m[3] ?? m[4]) ?? '').filter(Boolean);
  const shape: DmlShape = {
    verb,
    where: /\bWHERE\b/i.test(text),
    limit: /\bLIMIT\b/i.test(text),
    orderBy: /\bORDER\s+BY\b/i.test(text),
    selectStar: /\bSELECT\s+(?:ALL\s+|DISTINCT\s+)?(?:[A-Za-z0-9_$`]+\.)?\*/i.test(text),
    columnList: /^\s*`?\s*\(/.test(afterTable.replace(/^`/, '')) && !/^\s*\(\s*SELECT\b/i.test(afterTable),
    insertSelect: (verb === 'insert' || verb === 'replace') && /\bSELECT\b/i.test(text),
    sources,
  };
  if (table) shape.table = table;
  cache.set(stmt, shape);
  return shape;
}
