import { cardinalityOf } from '../crawl/read-schema';
import { compareText } from '../crawl/rows';
import type { Cardinality, ForeignKey, SchemaEntry, Table, View } from '../snapshot';
import { keyColumns, tableKey } from './relations';

/**
 * ER diagrams laid out here, not by Graphviz: one per table (the table, its parents and its
 * children, plus the views that read it) and a schema overview (names only, grouped into a grid
 * of clusters, split into pages). Pure and fast (no WebAssembly call per table), so every table
 * page can have one.
 *
 * Text is set in a monospace font and every width is computed as characters x 0.6 em: every
 * common monospace face (DejaVu Sans Mono, Liberation Mono, Menlo, Courier New; Consolas is
 * narrower) advances 0.6 em, so labels fit their cells whichever font the viewer has —
 * proportional layouts measured for Helvetica overflow where Helvetica is missing.
 */
const FONT = "'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, 'Courier New', monospace";
const SIZE = 12;
const ADVANCE = SIZE * 0.6;
const ROW = 18;
const PAD = 8;

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Cells a string takes in a monospace font: East Asian wide characters take two. */
function cells(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u.test(ch) ? 2 : 1;
  return n;
}
const textWidth = (s: string) => cells(s) * ADVANCE;
function clip(s: string, max: number): string {
  if (cells(s) <= max) return s;
  let out = '';
  for (const ch of s) {
    if (cells(out + ch) > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}
const r1 = (n: number) => Math.round(n * 10) / 10;

interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  title: string;
  /** Rows under the title: [left text, right text] and a port name. */
  rows: Array<{ port: string; left: string; right: string; bold?: boolean }>;
  kind: 'focus' | 'table' | 'view';
  href?: string | undefined;
}

function measure(title: string, rows: Box['rows'], maxChars = 48): { w: number; h: number } {
  const left = Math.max(0, ...rows.map((r) => cells(clip(r.left, maxChars))));
  const right = Math.max(0, ...rows.map((r) => cells(clip(r.right, 28))));
  const w = Math.max(textWidth(clip(title, maxChars)) + 2 * PAD, (left + (right ? right + 2 : 0)) * ADVANCE + 2 * PAD, 80);
  return { w: Math.ceil(w), h: ROW + 4 + rows.length * ROW + (rows.length ? 4 : 0) };
}

function drawBox(b: Box): string {
  const fill = b.kind === 'focus' ? '#cfe0f5' : b.kind === 'view' ? '#eef5e6' : '#e6edf6';
  const dash = b.kind === 'view' ? ' stroke-dasharray="4 3"' : '';
  const parts = [
    `<g>`,
    `<title>${xml(b.title)}</title>`,
    `<rect x="${r1(b.x)}" y="${r1(b.y)}" width="${r1(b.w)}" height="${r1(b.h)}" fill="#ffffff" stroke="#556677"${dash}/>`,
    `<rect x="${r1(b.x)}" y="${r1(b.y)}" width="${r1(b.w)}" height="${ROW + 4}" fill="${fill}" stroke="#556677"${dash}/>`,
    `<text x="${r1(b.x + PAD)}" y="${r1(b.y + ROW - 2)}" font-weight="bold">${xml(clip(b.title, 48))}</text>`,
  ];
  b.rows.forEach((row, i) => {
    const y = b.y + ROW + 4 + (i + 1) * ROW - 5;
    parts.push(`<text x="${r1(b.x + PAD)}" y="${r1(y)}"${row.bold ? ' font-weight="bold"' : ''}>${xml(clip(row.left, 48))}</text>`);
    if (row.right) parts.push(`<text x="${r1(b.x + b.w - PAD)}" y="${r1(y)}" text-anchor="end" fill="#667788">${xml(clip(row.right, 28))}</text>`);
  });
  parts.push('</g>');
  const inner = parts.join('');
  return b.href ? `<a href="${xml(b.href)}">${inner}</a>` : inner;
}

/** The y of a row's middle (the title row when the port is absent). */
function portY(b: Box, port: string | undefined): number {
  const i = port === undefined ? -1 : b.rows.findIndex((r) => r.port === port);
  return i < 0 ? b.y + (ROW + 4) / 2 : b.y + ROW + 4 + i * ROW + ROW / 2;
}

/**
 * Crow's-foot end marks at (x, y) for a line arriving horizontally from direction `dir`
 * (-1: from the left, +1: from the right). Many: a crow's foot; one: a bar; optional: a circle.
 */
function endMark(x: number, y: number, dir: 1 | -1, many: boolean, optional: boolean): string {
  const out: string[] = [];
  const at = (d: number) => x + dir * d;
  if (many) out.push(`<path d="M${r1(at(12))},${r1(y)} L${r1(x)},${r1(y - 6)} M${r1(at(12))},${r1(y)} L${r1(x)},${r1(y + 6)}" fill="none" stroke="#556677"/>`);
  else out.push(`<path d="M${r1(at(8))},${r1(y - 6)} L${r1(at(8))},${r1(y + 6)}" stroke="#556677"/>`);
  if (optional) out.push(`<circle cx="${r1(at(17))}" cy="${r1(y)}" r="4" fill="#ffffff" stroke="#556677"/>`);
  else out.push(`<path d="M${r1(at(14))},${r1(y - 6)} L${r1(at(14))},${r1(y + 6)}" stroke="#556677"/>`);
  return out.join('');
}

function svgDocument(width: number, height: number, title: string, body: string[]): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${FONT}" font-size="${SIZE}" fill="#223344">`,
    `<title>${xml(title)}</title>`,
    `<rect width="${w}" height="${h}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

export interface TableDiagramInput {
  schema: string;
  table: Table;
  /** Tables by `tableKey`, to draw neighbours in other schemas too. */
  tables: Map<string, Table>;
  children: ReadonlyArray<{ schema: string; table: string; fk: ForeignKey }>;
  /** Views that read the table. */
  readers: ReadonlyArray<{ schema: string; name: string }>;
  /** Link of a table or view box (relative to the page showing the SVG), if any. */
  href?: ((schema: string, name: string, kind: 'table' | 'view') => string | undefined) | undefined;
}

/** At most this many neighbours per side; the rest are counted in a last box. */
const MAX_NEIGHBOURS = 24;

/**
 * One table with its parents (left), its children and the views reading it (right), one hop.
 * Edges go from the FK column of the child to the referenced column of the parent; a composite
 * FK is one edge labelled with its columns; ends show the cardinality.
 */
export function tableDiagramSvg(input: TableDiagramInput): string {
  const t = input.table;
  const keys = keyColumns(t);
  const label = (schema: string, name: string) => (schema === input.schema ? name : `${schema}.${name}`);
  const focus: Box = {
    id: 'focus',
    x: 0,
    y: 0,
    w: 0,
    h: 0,
    title: t.name,
    kind: 'focus',
    rows: t.columns.map((c) => ({
      port: c.name,
      left: `${keys.pk.has(c.name) ? 'PK ' : keys.fk.has(c.name) ? 'FK ' : keys.uk.has(c.name) ? 'UK ' : '   '}${c.name}`,
      right: `${c.type}${c.nullable ? '' : ' NN'}`,
      bold: keys.pk.has(c.name),
    })),
  };
  Object.assign(focus, measure(focus.title, focus.rows));

  interface Edge {
    child: Box;
    childPort: string | undefined;
    parent: Box;
    parentPort: string | undefined;
    card: Cardinality | undefined;
    label: string;
    dashed?: boolean;
  }
  const edges: Edge[] = [];
  const parents: Box[] = [];
  const byParent = new Map<string, Box>();
  let selfLoops = 0;
  for (const fk of t.foreignKeys) {
    const card = fk.cardinality ?? cardinalityOf(fk, t.indexes, t.columns);
    const fkLabel = fk.columns.length > 1 ? `${fk.name} (${fk.columns.join(', ')})` : fk.name;
    if (fk.referencedSchema === input.schema && fk.referencedTable === t.name) {
      selfLoops++;
      edges.push({ child: focus, childPort: fk.columns[0], parent: focus, parentPort: fk.referencedColumns[0], card, label: fkLabel });
      continue;
    }
    const key = tableKey(fk.referencedSchema, fk.referencedTable);
    let box = byParent.get(key);
    if (!box) {
      if (parents.length >= MAX_NEIGHBOURS) continue;
      const p = input.tables.get(key);
      box = { id: `p${parents.length}`, x: 0, y: 0, w: 0, h: 0, title: label(fk.referencedSchema, fk.referencedTable), kind: 'table', rows: [], href: input.href?.(fk.referencedSchema, fk.referencedTable, 'table') };
      for (const c of p?.primaryKey ?? []) box.rows.push({ port: c, left: `PK ${c}`, right: p?.columns.find((x) => x.name === c)?.type ?? '', bold: true });
      byParent.set(key, box);
      parents.push(box);
    }
    for (const c of fk.referencedColumns) {
      if (!box.rows.some((r) => r.port === c)) box.rows.push({ port: c, left: `   ${c}`, right: input.tables.get(key)?.columns.find((x) => x.name === c)?.type ?? '' });
    }
    edges.push({ child: focus, childPort: fk.columns[0], parent: box, parentPort: fk.referencedColumns[0], card, label: fkLabel });
  }
  const extraParents = new Set(t.foreignKeys.map((f) => tableKey(f.referencedSchema, f.referencedTable))).size - byParent.size - (selfLoops ? 1 : 0);

  const right: Box[] = [];
  let extraRight = 0;
  const childBoxes = new Map<string, Box>();
  for (const c of input.children) {
    if (c.schema === input.schema && c.table === t.name) continue; // self reference drawn as a loop
    const key = tableKey(c.schema, c.table);
    let box = childBoxes.get(key);
    if (!box) {
      if (right.length >= MAX_NEIGHBOURS) {
        extraRight++;
        continue;
      }
      box = { id: `c${right.length}`, x: 0, y: 0, w: 0, h: 0, title: label(c.schema, c.table), kind: 'table', rows: [], href: input.href?.(c.schema, c.table, 'table') };
      childBoxes.set(key, box);
      right.push(box);
    }
    const childTable = input.tables.get(key);
    for (const col of c.fk.columns) if (!box.rows.some((r) => r.port === col)) box.rows.push({ port: col, left: `FK ${col}`, right: childTable?.columns.find((x) => x.name === col)?.type ?? '' });
    const card = c.fk.cardinality ?? (childTable ? cardinalityOf(c.fk, childTable.indexes, childTable.columns) : undefined);
    edges.push({ child: box, childPort: c.fk.columns[0], parent: focus, parentPort: c.fk.referencedColumns[0], card, label: c.fk.columns.length > 1 ? `${c.fk.name} (${c.fk.columns.join(', ')})` : c.fk.name });
  }
  for (const v of input.readers) {
    if (right.length >= MAX_NEIGHBOURS) {
      extraRight++;
      continue;
    }
    const box: Box = { id: `v${right.length}`, x: 0, y: 0, w: 0, h: 0, title: label(v.schema, v.name), kind: 'view', rows: [{ port: '', left: 'view', right: '' }], href: input.href?.(v.schema, v.name, 'view') };
    right.push(box);
    edges.push({ child: box, childPort: undefined, parent: focus, parentPort: undefined, card: undefined, label: 'reads', dashed: true });
  }
  const more = (n: number, what: string): Box => ({ id: `m${what}`, x: 0, y: 0, w: 0, h: 0, title: `+${n} more ${what}`, kind: 'table', rows: [] });
  if (extraParents > 0) parents.push(more(extraParents, 'parents'));
  if (extraRight > 0) right.push(more(extraRight, 'children'));
  for (const b of [...parents, ...right]) Object.assign(b, measure(b.title, b.rows));

  // Columns: parents | focus | children, each stacked; the gaps leave room for edge labels.
  const GAP_Y = 16;
  const labelRoom = Math.min(36, Math.max(10, ...edges.map((e) => cells(e.label)))) * ADVANCE + 40;
  const colW = (bs: Box[]) => Math.max(0, ...bs.map((b) => b.w));
  const stackH = (bs: Box[]) => bs.reduce((h, b) => h + b.h + GAP_Y, -GAP_Y);
  const leftW = colW(parents);
  const margin = 16;
  const xFocus = margin + (parents.length ? leftW + labelRoom : 0);
  const xRight = xFocus + focus.w + (selfLoops ? 40 : 0) + (right.length ? labelRoom : 0);
  const height = Math.max(focus.h, stackH(parents), stackH(right)) + 2 * margin + 24;
  const place = (bs: Box[], x: number, alignRight: boolean) => {
    let y = margin + 24 + Math.max(0, (height - 2 * margin - 24 - stackH(bs)) / 2);
    for (const b of bs) {
      b.x = alignRight ? x + (leftW - b.w) : x;
      b.y = y;
      y += b.h + GAP_Y;
    }
  };
  place(parents, margin, true);
  focus.x = xFocus;
  focus.y = margin + 24 + Math.max(0, (height - 2 * margin - 24 - focus.h) / 2);
  place(right, xRight, false);
  const width = xRight + (right.length ? colW(right) : 0) + margin;

  const body: string[] = [
    `<text x="${margin}" y="${margin + 6}" fill="#667788">${xml(`${input.schema}.${t.name}: ${t.foreignKeys.length} parent FK, ${input.children.length} child FK, ${input.readers.length} views`)}</text>`,
  ];
  edges.forEach((e) => {
    const cy = portY(e.child, e.childPort);
    const py = portY(e.parent, e.parentPort);
    if (e.child === e.parent) {
      // Self reference: a loop on the right side of the focus box.
      const x = focus.x + focus.w;
      body.push(`<path d="M${r1(x)},${r1(cy)} C${r1(x + 36)},${r1(cy)} ${r1(x + 36)},${r1(py)} ${r1(x)},${r1(py)}" fill="none" stroke="#556677"/>`);
      body.push(endMark(x, cy, 1, e.card?.child !== 'zero-or-one', true), endMark(x, py, 1, false, e.card?.parent === 'zero-or-one'));
      body.push(`<text x="${r1(x + 40)}" y="${r1((cy + py) / 2 + 4)}" font-size="10" fill="#667788">${xml(clip(e.label, 36))}</text>`);
      return;
    }
    const childOnRight = e.child.x > e.parent.x;
    const cx = childOnRight ? e.child.x : e.child.x + e.child.w;
    const px = childOnRight ? e.parent.x + e.parent.w : e.parent.x;
    const mid = (cx + px) / 2;
    body.push(`<path d="M${r1(cx)},${r1(cy)} C${r1(mid)},${r1(cy)} ${r1(mid)},${r1(py)} ${r1(px)},${r1(py)}" fill="none" stroke="#556677"${e.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
    if (e.card) {
      body.push(endMark(cx, cy, childOnRight ? -1 : 1, e.card.child !== 'zero-or-one', true));
      body.push(endMark(px, py, childOnRight ? 1 : -1, false, e.card.parent === 'zero-or-one'));
    }
    const lx = childOnRight ? cx - 22 : cx + 22;
    body.push(`<text x="${r1(lx)}" y="${r1(cy - 5)}" font-size="10" fill="#667788"${childOnRight ? ' text-anchor="end"' : ''}>${xml(clip(e.label, 36))}</text>`);
  });
  for (const b of [...parents, focus, ...right]) body.push(drawBox(b));
  return svgDocument(width, height, `ER diagram of ${input.schema}.${t.name}`, body);
}

export interface OverviewPage {
  svg: string;
  width: number;
  height: number;
  tables: number;
}

export interface OverviewOptions {
  /** No page side over this (points); more tables go to further pages. */
  maxSide?: number;
  /** Subject areas: name -> regular expression on table names; unmatched tables group by FK component. */
  subjectAreas?: ReadonlyArray<{ name: string; pattern: RegExp }>;
  href?: ((name: string, kind: 'table' | 'view') => string | undefined) | undefined;
}

interface Node {
  name: string;
  kind: 'table' | 'view';
}

/**
 * The schema overview: tables and views as name boxes (no columns), grouped into clusters —
 * a configured subject area, else the FK-connected component (tables without any relation are
 * grouped by name prefix) — each laid out as a grid in breadth-first order (a parent next to
 * its children), clusters packed in rows, pages split so that no side exceeds `maxSide`.
 */
export function schemaOverviewSvg(schema: SchemaEntry, options: OverviewOptions = {}): OverviewPage[] {
  const maxSide = options.maxSide ?? 3000;
  const nodes = new Map<string, Node>();
  for (const t of schema.tables) nodes.set(t.name, { name: t.name, kind: 'table' });
  for (const v of schema.views) nodes.set(v.name, { name: v.name, kind: 'view' });
  const adj = new Map<string, Set<string>>([...nodes.keys()].map((n) => [n, new Set<string>()]));
  interface OEdge {
    from: string;
    to: string;
    card?: Cardinality;
    view?: boolean;
  }
  const edges: OEdge[] = [];
  for (const t of schema.tables) {
    for (const fk of t.foreignKeys) {
      if (fk.referencedSchema !== schema.name || !nodes.has(fk.referencedTable) || fk.referencedTable === t.name) continue;
      edges.push({ from: t.name, to: fk.referencedTable, card: fk.cardinality ?? cardinalityOf(fk, t.indexes, t.columns) });
      adj.get(t.name)?.add(fk.referencedTable);
      adj.get(fk.referencedTable)?.add(t.name);
    }
  }
  for (const v of schema.views as View[]) {
    for (const name of v.tables ?? []) {
      if (!nodes.has(name) || name === v.name) continue;
      edges.push({ from: v.name, to: name, view: true });
      adj.get(v.name)?.add(name);
      adj.get(name)?.add(v.name);
    }
  }

  // Clusters: subject areas first (a grid each), then FK-connected components laid out as trees
  // (a big component is cut into subtrees of at most CLUSTER_MAX), then tables without
  // relations in a grid.
  const BOX_H = 22;
  const GAP_X = 40;
  const GAP_Y = 10;
  const HEAD = 26;
  const CLUSTER_MAX = 40;
  interface Cluster {
    label: string;
    members: string[];
    /** Cell of each member: column and row. */
    cell: Map<string, { col: number; row: number }>;
    cols: number;
    rows: number;
    cellW: number;
    w: number;
    h: number;
    x: number;
    y: number;
  }
  const cellWidth = (members: readonly string[]) => Math.min(40, Math.max(6, ...members.map((m) => cells(m)))) * ADVANCE + 2 * PAD;
  const finish = (label: string, members: string[], cell: Map<string, { col: number; row: number }>): Cluster => {
    const cellW = cellWidth(members);
    const cols = Math.max(1, ...[...cell.values()].map((c) => c.col + 1));
    const rows = Math.max(1, ...[...cell.values()].map((c) => c.row + 1));
    return { label, members, cell, cols, rows, cellW, w: cols * (cellW + GAP_X) - GAP_X + 24, h: HEAD + rows * (BOX_H + GAP_Y) - GAP_Y + 16, x: 0, y: 0 };
  };
  const grid = (label: string, members: string[]): Cluster[] => {
    const out: Cluster[] = [];
    const cellW = cellWidth(members);
    const maxCols = Math.max(1, Math.floor((maxSide - 40) / (cellW + GAP_X)));
    const maxRows = Math.max(1, Math.floor((maxSide - 80 - HEAD) / (BOX_H + GAP_Y)));
    const perChunk = maxCols * maxRows;
    for (let i = 0; i < members.length; i += perChunk) {
      const chunk = members.slice(i, i + perChunk);
      const cols = Math.min(maxCols, Math.max(1, Math.round(Math.sqrt((chunk.length * (BOX_H + GAP_Y)) / (cellW + GAP_X)))));
      const cell = new Map(chunk.map((m, j) => [m, { col: j % cols, row: Math.floor(j / cols) }]));
      out.push(finish(members.length > perChunk ? `${label} (part ${i / perChunk + 1})` : label, chunk, cell));
    }
    return out;
  };
  const parentsOf = (n: string) => edges.filter((e) => e.from === n && !e.view).length;

  const clusters: Cluster[] = [];
  const assigned = new Set<string>();
  for (const area of options.subjectAreas ?? []) {
    const members = [...nodes.keys()].filter((n) => !assigned.has(n) && area.pattern.test(n));
    members.forEach((m) => assigned.add(m));
    if (members.length) clusters.push(...grid(area.name, members));
  }
  const loners: string[] = [];
  const all = [...nodes.keys()].sort(compareText);
  for (const seed of all) {
    if (assigned.has(seed) || (adj.get(seed)?.size ?? 0) > 0) continue;
    assigned.add(seed);
    loners.push(seed);
  }
  // Roots first: tables that reference nothing, the most referenced first.
  const roots = all.filter((n) => !assigned.has(n)).sort((a, b) => parentsOf(a) - parentsOf(b) || (adj.get(b)?.size ?? 0) - (adj.get(a)?.size ?? 0) || compareText(a, b));
  let componentNo = 0;
  for (const root of roots) {
    if (assigned.has(root)) continue;
    componentNo++;
    // Spanning tree, breadth first (parents before children).
    const kids = new Map<string, string[]>();
    const order: string[] = [];
    const queue = [root];
    assigned.add(root);
    while (queue.length) {
      const n = queue.shift() as string;
      order.push(n);
      kids.set(n, []);
      for (const m of [...(adj.get(n) ?? [])].sort(compareText)) {
        if (assigned.has(m)) continue;
        assigned.add(m);
        kids.get(n)?.push(m);
        queue.push(m);
      }
    }
    const size = new Map<string, number>();
    for (const n of [...order].reverse()) size.set(n, 1 + (kids.get(n) ?? []).reduce((t, k) => t + (size.get(k) ?? 0), 0));
    // Cut: a subtree of at most CLUSTER_MAX under a node with a bigger one becomes its own cluster.
    const cutRoots = order.filter((n) => n === root || ((size.get(n) ?? 0) <= CLUSTER_MAX && order.some((p) => kids.get(p)?.includes(n) && (size.get(p) ?? 0) > CLUSTER_MAX)));
    const isCut = new Set(cutRoots);
    for (const cr of cutRoots) {
      // A tidy tree, left to right: depth is the column, each leaf takes the next row, a parent
      // sits on its first child's row.
      const cell = new Map<string, { col: number; row: number }>();
      let nextRow = 0;
      const place = (n: string, depth: number): number => {
        const children = (kids.get(n) ?? []).filter((k) => !isCut.has(k));
        let row = nextRow;
        if (children.length === 0) nextRow++;
        else row = children.map((k) => place(k, depth + 1))[0] as number;
        cell.set(n, { col: depth, row });
        return row;
      };
      place(cr, 0);
      const members = [...cell.keys()];
      const label = cutRoots.length === 1 ? `related to ${cr}` : cr === root ? `group ${componentNo}: ${cr} and its nearest` : `group ${componentNo}: under ${cr}`;
      clusters.push(finish(label, members, cell));
    }
  }
  if (loners.length) {
    // Tables without relations, by name prefix when there are many.
    clusters.push(...grid('no relations', loners));
  }

  // Shelf packing into pages.
  const pages: Cluster[][] = [];
  let page: Cluster[] = [];
  let x = 16;
  let y = 40;
  let shelfH = 0;
  for (const c of clusters) {
    if (x + c.w > maxSide - 16 && x > 16) {
      x = 16;
      y += shelfH + 24;
      shelfH = 0;
    }
    if (y + c.h > maxSide - 16 && page.length) {
      pages.push(page);
      page = [];
      x = 16;
      y = 40;
      shelfH = 0;
    }
    c.x = x;
    c.y = y;
    page.push(c);
    x += c.w + 24;
    shelfH = Math.max(shelfH, c.h);
  }
  if (page.length) pages.push(page);

  return pages.map((cs, pi) => {
    const pos = new Map<string, { x: number; y: number; w: number }>();
    for (const c of cs) {
      for (const [m, { col, row }] of c.cell) pos.set(m, { x: c.x + 12 + col * (c.cellW + GAP_X), y: c.y + HEAD + row * (BOX_H + GAP_Y), w: c.cellW });
    }
    const width = Math.max(...cs.map((c) => c.x + c.w)) + 16;
    const height = Math.max(...cs.map((c) => c.y + c.h)) + 16;
    const count = cs.reduce((n, c) => n + c.members.length, 0);
    const body: string[] = [
      `<text x="16" y="24" font-weight="bold">${xml(`${schema.name}: ${schema.tables.length} tables, ${schema.views.length} views${pages.length > 1 ? ` — page ${pi + 1} of ${pages.length} (${count} here)` : ''}`)}</text>`,
    ];
    for (const c of cs) {
      body.push(`<rect x="${r1(c.x)}" y="${r1(c.y)}" width="${r1(c.w)}" height="${r1(c.h)}" rx="6" fill="#f7f9fc" stroke="#c5cfdb"/>`);
      body.push(`<text x="${r1(c.x + 10)}" y="${r1(c.y + 17)}" fill="#667788">${xml(`${c.label} · ${c.members.length}`)}</text>`);
    }
    // Edges under the boxes, from the child's box side to the parent's, with cardinality ends.
    for (const e of edges) {
      const a = pos.get(e.from);
      const b = pos.get(e.to);
      if (!a || !b) continue;
      const ay = a.y + BOX_H / 2;
      const by = b.y + BOX_H / 2;
      const aRight = a.x + a.w / 2 < b.x + b.w / 2;
      const ax = aRight ? a.x + a.w : a.x;
      const bx = aRight ? b.x : b.x + b.w;
      const sameColumn = Math.abs(a.x - b.x) < 1;
      const path = sameColumn
        ? `M${r1(a.x + a.w)},${r1(ay)} C${r1(a.x + a.w + 24)},${r1(ay)} ${r1(b.x + b.w + 24)},${r1(by)} ${r1(b.x + b.w)},${r1(by)}`
        : `M${r1(ax)},${r1(ay)} L${r1(bx)},${r1(by)}`;
      body.push(`<path d="${path}" fill="none" stroke="#8899aa" stroke-width="0.8"${e.view ? ' stroke-dasharray="4 3"' : ''}/>`);
      if (e.card && !sameColumn) {
        const ang = Math.atan2(by - ay, bx - ax);
        // Marks drawn along the edge's direction: the child's end (many or one), the parent's bar.
        const mark = (x0: number, y0: number, sign: number, many: boolean) => {
          const ux = Math.cos(ang) * sign;
          const uy = Math.sin(ang) * sign;
          const px = -uy;
          const py = ux;
          const tip = (d: number, s: number) => `${r1(x0 + ux * d + px * s)},${r1(y0 + uy * d + py * s)}`;
          return many
            ? `<path d="M${tip(10, 0)} L${tip(0, -5)} M${tip(10, 0)} L${tip(0, 5)}" fill="none" stroke="#8899aa"/>`
            : `<path d="M${tip(7, -5)} L${tip(7, 5)}" stroke="#8899aa"/>`;
        };
        body.push(mark(ax, ay, 1, e.card.child !== 'zero-or-one'), mark(bx, by, -1, false));
      }
    }
    for (const [name, p] of pos) {
      const n = nodes.get(name) as Node;
      const href = options.href?.(name, n.kind);
      const box = `<g><title>${xml(name)}</title><rect x="${r1(p.x)}" y="${r1(p.y)}" width="${r1(p.w)}" height="${BOX_H}" fill="${n.kind === 'view' ? '#eef5e6' : '#e6edf6'}" stroke="#556677"${n.kind === 'view' ? ' stroke-dasharray="4 3"' : ''}/><text x="${r1(p.x + PAD)}" y="${r1(p.y + 15)}">${xml(clip(name, 40))}</text></g>`;
      body.push(href ? `<a href="${xml(href)}">${box}</a>` : box);
    }
    return { svg: svgDocument(width, height, `Overview of ${schema.name}${pages.length > 1 ? `, page ${pi + 1}` : ''}`, body), width: Math.ceil(width), height: Math.ceil(height), tables: count };
  });
}
