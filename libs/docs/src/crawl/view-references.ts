import type { SchemaEntry, ViewReference } from '../snapshot';
import { compareText } from './rows';

/**
 * Tables (and views) a view reads, from its definition parsed with dt-sql-parser's MySQL grammar
 * (the parser schema-review uses). The server stores view definitions with every table
 * qualified (`db`.`t`), so an unqualified name is a CTE or derived table unless the view's own
 * schema has it. The parser is loaded only when a crawl has views to read (about 0.5 s).
 */
interface EntityLike {
  entityContextType: string;
  text: string;
}
interface ParserLike {
  getAllEntities(input: string): EntityLike[] | null;
}

let parser: Promise<ParserLike> | undefined;
async function loadParser(): Promise<ParserLike> {
  parser ??= import('dt-sql-parser/dist/parser/mysql/index.js').then((m) => new m.MySQL() as unknown as ParserLike);
  return parser;
}

/** Longer definitions are not parsed (ANTLR's cost grows fast with length); their references stay unknown. */
const MAX_DEFINITION_CHARS = 100_000;

/** `a`.`b` -> ['a', 'b'] (doubled backticks inside a name are one backtick). */
export function splitQualifiedName(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '`') {
      let name = '';
      i++;
      while (i < text.length) {
        if (text[i] === '`' && text[i + 1] === '`') {
          name += '`';
          i += 2;
        } else if (text[i] === '`') {
          i++;
          break;
        } else name += text[i++];
      }
      parts.push(name);
    } else if (text[i] === '.' || /\s/.test(text[i] as string)) i++;
    else {
      let name = '';
      while (i < text.length && text[i] !== '.' && !/\s/.test(text[i] as string)) name += text[i++];
      parts.push(name);
    }
  }
  return parts;
}

/** The objects one view definition reads; undefined when the definition cannot be read. */
export async function referencesOf(definition: string, schema: string, known: (schema: string, name: string) => 'table' | 'view' | undefined): Promise<ViewReference[] | undefined> {
  if (!definition || definition.length > MAX_DEFINITION_CHARS) return undefined;
  let entities: EntityLike[] | null;
  try {
    entities = (await loadParser()).getAllEntities(definition);
  } catch {
    return undefined;
  }
  if (!entities) return undefined;
  const seen = new Map<string, ViewReference>();
  for (const e of entities) {
    if (e.entityContextType !== 'table' && e.entityContextType !== 'view') continue;
    const parts = splitQualifiedName(e.text);
    if (parts.length === 0 || parts.length > 2) continue;
    const refSchema = parts.length === 2 ? (parts[0] as string) : schema;
    const name = parts[parts.length - 1] as string;
    const kind = known(refSchema, name);
    // Unqualified and not in the view's schema: a CTE or derived table name, not an object.
    if (parts.length === 1 && !kind) continue;
    seen.set(`${refSchema}\0${name}`, { schema: refSchema, name, kind: kind ?? 'unknown' });
  }
  return [...seen.values()].sort((a, b) => compareText(a.schema, b.schema) || compareText(a.name, b.name));
}

/**
 * Fills `references` and `tables` of every view of the cluster, reusing the previous crawl's
 * answer for a view whose definition did not change (parsing is the expensive part).
 */
export async function fillViewReferences(schemas: readonly SchemaEntry[], previous?: (schema: string, view: string, definition: string) => ViewReference[] | undefined): Promise<number> {
  const objects = new Map<string, 'table' | 'view'>();
  for (const s of schemas) {
    for (const t of s.tables) objects.set(`${s.name}\0${t.name}`, 'table');
    for (const v of s.views) objects.set(`${s.name}\0${v.name}`, 'view');
  }
  const known = (schema: string, name: string) => objects.get(`${schema}\0${name}`);
  let parsed = 0;
  for (const s of schemas) {
    for (const v of s.views) {
      let refs = previous?.(s.name, v.name, v.definition);
      if (refs) {
        // Same definition: same names; their kind may have changed (a table dropped, a view added).
        refs = refs.map((r) => ({ ...r, kind: known(r.schema, r.name) ?? 'unknown' }));
      } else {
        refs = await referencesOf(v.definition, s.name, known);
        parsed++;
      }
      if (!refs) continue;
      v.references = refs;
      v.tables = refs.filter((r) => r.schema === s.name).map((r) => r.name);
    }
  }
  return parsed;
}
