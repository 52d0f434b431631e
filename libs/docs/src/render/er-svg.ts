import type { SchemaEntry, Table } from '../snapshot';
import { keyColumns } from './relations';

/**
 * The schema's ER diagram as Graphviz DOT, rendered to SVG in-process (Graphviz compiled to
 * WebAssembly). Large schemas show key columns only so a few hundred tables stay readable.
 */
export const FULL_COLUMNS_UP_TO = 40;

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const dotId = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function node(t: Table, full: boolean, index: number): string {
  const keys = keyColumns(t);
  const cols = full ? t.columns : t.columns.filter((c) => keys.pk.has(c.name) || keys.fk.has(c.name));
  const rows = cols.map((c) => {
    const mark = keys.pk.has(c.name) ? 'PK ' : keys.fk.has(c.name) ? 'FK ' : '';
    // Ports: `c<n>` (name cell, where child edges end) and `c<n>r` (type cell, where parent edges start).
    return `<tr><td align="left" port="c${c.position}">${html(mark)}${html(c.name)}</td><td align="left" port="c${c.position}r"><font color="#555555">${html(c.type)}</font></td></tr>`;
  });
  const more = !full && cols.length < t.columns.length ? [`<tr><td align="left" colspan="2"><font color="#888888">+${t.columns.length - cols.length} columns</font></td></tr>`] : [];
  const label = `<table border="0" cellborder="1" cellspacing="0" cellpadding="3"><tr><td colspan="2" bgcolor="#dbe6f4"><b>${html(t.name)}</b></td></tr>${rows.join('')}${more.join('')}</table>`;
  return `  t${index} [label=<${label}>, tooltip=${dotId(t.comment || t.name)}];`;
}

export function schemaDot(schema: SchemaEntry): string {
  const full = schema.tables.length <= FULL_COLUMNS_UP_TO;
  const index = new Map(schema.tables.map((t, i) => [t.name, i]));
  const lines = [
    `digraph ${dotId(schema.name)} {`,
    // Large schemas: polyline edges (about 4x faster than splines on a few hundred tables) and
    // connected groups packed into a grid, not one column of unrelated tables.
    `  graph [rankdir=LR, fontname="Helvetica", fontsize=10, nodesep=0.25, ranksep=0.6, mclimit=0.5, nslimit=2, nslimit1=2${full ? '' : ', splines=polyline, pack=true, packmode="array_u"'}];`,
    '  node [shape=plain, fontname="Helvetica", fontsize=9];',
    // Parent (one, a bar) on the left, child (many, a crow's foot) on the right.
    '  edge [dir=both, arrowtail=tee, arrowhead=crow, color="#667788"];',
  ];
  schema.tables.forEach((t, i) => lines.push(node(t, full, i)));
  const byName = new Map(schema.tables.map((t) => [t.name, t]));
  for (const t of schema.tables) {
    for (const fk of t.foreignKeys) {
      const parentTable = fk.referencedSchema === schema.name ? byName.get(fk.referencedTable) : undefined;
      if (!parentTable) continue;
      // Column to column: the first FK column and the column it references (both are drawn).
      const from = parentTable.columns.find((c) => c.name === fk.referencedColumns[0]);
      const to = t.columns.find((c) => c.name === fk.columns[0]);
      const shown = (table: Table, name: string) => full || table.primaryKey.includes(name) || table.foreignKeys.some((f) => f.columns.includes(name));
      const fromPort = from && shown(parentTable, from.name) ? `:c${from.position}r:e` : '';
      const toPort = to && shown(t, to.name) ? `:c${to.position}:w` : '';
      lines.push(`  t${index.get(parentTable.name)}${fromPort} -> t${index.get(t.name)}${toPort} [tooltip=${dotId(fk.name)}];`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}

interface GraphvizLike {
  dot(source: string, format?: 'svg'): string;
}
let graphviz: Promise<GraphvizLike> | undefined;

/** Loads the WebAssembly Graphviz once per process (an ES module: dynamic import). */
async function loadGraphviz(): Promise<GraphvizLike> {
  graphviz ??= import('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load() as Promise<GraphvizLike>);
  return graphviz;
}

export async function renderSvg(dot: string): Promise<string> {
  const gv = await loadGraphviz();
  const svg = gv.dot(dot, 'svg');
  return svg.endsWith('\n') ? svg : `${svg}\n`;
}
