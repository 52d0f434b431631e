import { cardinalityOf } from '../crawl/read-schema';
import type { ForeignKey, SchemaEntry, Table } from '../snapshot';
import { keyColumns } from './relations';

/**
 * Mermaid `erDiagram` text (GitHub renders it). Identifiers Mermaid cannot take are aliased:
 * entities as `eN["real name"]`, attributes with a safe name and the real one in the comment.
 */
// Mermaid takes letters, digits, `_` and `-` in entity and attribute names (any case); other
// names are aliased.
const ENTITY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const ATTRIBUTE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** GitHub refuses diagrams above mermaid's default maxTextSize (50,000). */
export const MERMAID_MAX_CHARS = 45_000;

const quote = (s: string) => `"${s.replace(/"/g, "'").replace(/[\r\n]+/g, ' ')}"`;

interface EntityNames {
  id(schema: string, table: string): string;
}

function entityNames(defaultSchema: string): EntityNames {
  const ids = new Map<string, string>();
  return {
    id(schema, table) {
      const key = `${schema}\0${table}`;
      let id = ids.get(key);
      if (!id) {
        id = schema === defaultSchema && ENTITY.test(table) && !/^e\d+$/.test(table) ? table : `e${ids.size + 1}`;
        ids.set(key, id);
      }
      return id;
    },
  };
}

function entityHeader(id: string, schema: string, table: string, defaultSchema: string): string {
  const label = schema === defaultSchema ? table : `${schema}.${table}`;
  return id === table ? id : `${id}[${quote(label)}]`;
}

type Detail = 'all' | 'keys' | 'none';

function entityBlock(t: Table, header: string, detail: Detail): string[] {
  if (detail === 'none') return [`  ${header}`];
  const keys = keyColumns(t);
  const cols = detail === 'all' ? t.columns : t.columns.filter((c) => keys.pk.has(c.name) || keys.fk.has(c.name));
  if (cols.length === 0) return [`  ${header}`];
  const lines = [`  ${header} {`];
  for (const c of cols) {
    const type = c.dataType.replace(/[^A-Za-z0-9_]/g, '_') || 'unknown';
    const safe = ATTRIBUTE.test(c.name) ? c.name : `col${c.position}`;
    const marks = [keys.pk.has(c.name) ? 'PK' : '', keys.fk.has(c.name) ? 'FK' : '', keys.uk.has(c.name) && !keys.pk.has(c.name) ? 'UK' : ''].filter(Boolean).join(', ');
    const comment = safe === c.name ? c.comment : c.comment ? `${c.name}: ${c.comment}` : c.name;
    lines.push(`    ${type} ${safe}${marks ? ` ${marks}` : ''}${comment ? ` ${quote(comment)}` : ''}`);
  }
  lines.push('  }');
  return lines;
}

/**
 * One FK as a Mermaid relationship, child on the left: `}o` many or `|o` at most one child per
 * parent (unique FK columns), `||` exactly one or `o|` an optional parent (nullable FK column).
 * A composite FK is one edge labelled with its columns.
 */
function relationship(child: Table, fk: ForeignKey, childId: string, parentId: string): string {
  const card = fk.cardinality ?? cardinalityOf(fk, child.indexes, child.columns);
  const left = card.child === 'zero-or-one' ? '|o' : '}o';
  const right = card.parent === 'zero-or-one' ? 'o|' : '||';
  const label = fk.columns.length > 1 ? `${fk.name} (${fk.columns.join(', ')})` : fk.name;
  return `  ${childId} ${left}--${right} ${parentId} : ${quote(label)}`;
}

/** The whole schema; attributes shrink (all -> keys -> none) until the text fits. */
export function schemaMermaid(schema: SchemaEntry): string | undefined {
  const details: Detail[] = schema.tables.length <= 60 ? ['all', 'keys', 'none'] : ['keys', 'none'];
  for (const detail of details) {
    const names = entityNames(schema.name);
    const lines = ['erDiagram'];
    for (const t of schema.tables) {
      const id = names.id(schema.name, t.name);
      lines.push(...entityBlock(t, entityHeader(id, schema.name, t.name, schema.name), detail));
    }
    for (const t of schema.tables) {
      for (const fk of t.foreignKeys) {
        if (fk.referencedSchema !== schema.name || !schema.tables.some((p) => p.name === fk.referencedTable)) continue;
        lines.push(relationship(t, fk, names.id(schema.name, t.name), names.id(schema.name, fk.referencedTable)));
      }
    }
    const text = lines.join('\n');
    if (text.length <= MERMAID_MAX_CHARS) return text;
  }
  return undefined;
}

export interface Neighbour {
  schema: string;
  table: Table;
}

/** One table with its direct parents and children (their key columns only). */
export function tableMermaid(schemaName: string, table: Table, parents: readonly Neighbour[], children: readonly Neighbour[]): string {
  const names = entityNames(schemaName);
  const lines = ['erDiagram'];
  const id = names.id(schemaName, table.name);
  lines.push(...entityBlock(table, entityHeader(id, schemaName, table.name, schemaName), 'all'));
  const seen = new Set([`${schemaName}\0${table.name}`]);
  for (const n of [...parents, ...children]) {
    const key = `${n.schema}\0${n.table.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const nid = names.id(n.schema, n.table.name);
    lines.push(...entityBlock(n.table, entityHeader(nid, n.schema, n.table.name, schemaName), 'keys'));
  }
  for (const fk of table.foreignKeys) {
    lines.push(relationship(table, fk, id, names.id(fk.referencedSchema, fk.referencedTable)));
  }
  for (const c of children) {
    if (c.schema === schemaName && c.table.name === table.name) continue; // self reference drawn above
    for (const fk of c.table.foreignKeys) {
      if (fk.referencedSchema === schemaName && fk.referencedTable === table.name) {
        lines.push(relationship(c.table, fk, names.id(c.schema, c.table.name), id));
      }
    }
  }
  return lines.join('\n');
}
