import { z } from 'zod';
import { compareText } from '../crawl/rows';
import type { SchemaEntry } from '../snapshot';
import { bytes, code, escText, link, table } from './markdown';

/**
 * Data size per crawl, kept per schema in `<cluster>/schemas/<schema>/sizes.json`: one point per
 * crawl whose sizes moved, the newest MAX_POINTS kept, each table as [rows estimate, data +
 * index bytes]. What capacity planning reads: growth per table and schema over time.
 */
export const MAX_POINTS = 90;

export const sizeHistorySchema = z.object({
  sizesVersion: z.literal(1),
  schema: z.string(),
  points: z.array(z.object({ at: z.string(), tables: z.record(z.string(), z.tuple([z.number().nullable(), z.number()])) })),
});
export type SizeHistory = z.output<typeof sizeHistorySchema>;

export function parseSizeHistory(text: Buffer | string | undefined, schema: string): SizeHistory {
  const empty: SizeHistory = { sizesVersion: 1, schema, points: [] };
  if (text === undefined) return empty;
  try {
    const parsed = sizeHistorySchema.safeParse(JSON.parse(text.toString()));
    return parsed.success && parsed.data.schema === schema ? parsed.data : empty;
  } catch {
    return empty;
  }
}

/** The history with the schema's sizes now; unchanged (same object) when nothing moved. */
export function withPoint(history: SizeHistory, schema: SchemaEntry, at: string): SizeHistory {
  const tables: Record<string, [number | null, number]> = {};
  for (const t of schema.tables) tables[t.name] = [t.rowsEstimate, (t.dataLength ?? 0) + (t.indexLength ?? 0)];
  const last = history.points[history.points.length - 1];
  if (last && JSON.stringify(last.tables) === JSON.stringify(tables)) return history;
  return { ...history, points: [...history.points, { at, tables }].slice(-MAX_POINTS) };
}

export interface Growth {
  schema: string;
  table: string;
  from: number;
  to: number;
  since: string;
}

/** Tables by growth in bytes from the first point they appear in to the latest, biggest first. */
export function growers(history: SizeHistory): Growth[] {
  const last = history.points[history.points.length - 1];
  if (!last) return [];
  const out: Growth[] = [];
  for (const [name, [, to]] of Object.entries(last.tables)) {
    const first = history.points.find((p) => p.tables[name] !== undefined);
    if (!first || first === last) continue;
    const from = (first.tables[name] as [number | null, number])[1];
    if (to !== from) out.push({ schema: history.schema, table: name, from, to, since: first.at });
  }
  return out.sort((a, b) => b.to - b.from - (a.to - a.from) || compareText(a.table, b.table));
}

/** The series of one table (or the schema total when `table` is absent): [time, bytes]. */
export function series(history: SizeHistory, table?: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const p of history.points) {
    if (table === undefined) out.push([p.at, Object.values(p.tables).reduce((n, [, b]) => n + b, 0)]);
    else if (p.tables[table]) out.push([p.at, (p.tables[table] as [number | null, number])[1]]);
  }
  return out;
}

const FONT = "'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, 'Courier New', monospace";
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A small line chart of bytes over time (time-scaled x axis); undefined when the size never moved. */
export function sizeChartSvg(title: string, points: ReadonlyArray<[string, number]>): string | undefined {
  if (points.length < 2 || points.every(([, v]) => v === points[0]?.[1])) return undefined;
  const W = 360;
  const H = 110;
  const left = 76;
  const right = 12;
  const top = 22;
  const bottom = 26;
  const times = points.map(([at]) => Date.parse(at));
  const values = points.map(([, v]) => v);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const v0 = Math.min(...values);
  const v1 = Math.max(...values);
  const x = (t: number) => left + (t1 === t0 ? 0 : ((t - t0) / (t1 - t0)) * (W - left - right));
  const y = (v: number) => top + (v1 === v0 ? (H - top - bottom) / 2 : (1 - (v - v0) / (v1 - v0)) * (H - top - bottom));
  const line = points.map(([, v], i) => `${(Math.round(x(times[i] as number) * 10) / 10).toFixed(1)},${(Math.round(y(v) * 10) / 10).toFixed(1)}`).join(' ');
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}" font-size="10" fill="#445566">`,
    `<title>${xml(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${left}" y="13">${xml(title)}</text>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end">${xml(bytes(v1))}</text>`,
    `<text x="${left - 6}" y="${H - bottom + 3}" text-anchor="end">${xml(bytes(v0))}</text>`,
    `<path d="M${left},${top} V${H - bottom} H${W - right}" fill="none" stroke="#c5cfdb"/>`,
    `<polyline points="${line}" fill="none" stroke="#2f6db5" stroke-width="1.5"/>`,
    `<text x="${left}" y="${H - 8}">${day(t0)}</text>`,
    `<text x="${W - right}" y="${H - 8}" text-anchor="end">${day(t1)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** "Top growers" Markdown table; `pageOf` gives a table's page (a sink path), linked from `self`. */
export function growersTable(list: readonly Growth[], self: string, pageOf: (g: Growth) => string, withSchema: boolean, limit = 10): string {
  const rows = list.slice(0, limit).map((g) => [
    link(code(withSchema ? `${g.schema}.${g.table}` : g.table), self, pageOf(g)),
    bytes(g.from),
    bytes(g.to),
    `${g.to >= g.from ? '+' : '−'}${bytes(Math.abs(g.to - g.from))}`,
    g.from > 0 ? `${(((g.to - g.from) / g.from) * 100).toFixed(0)}%` : '',
    escText(g.since.slice(0, 10)),
  ]);
  return table(['Table', 'Then', 'Now', 'Growth', '%', 'Since'], rows);
}
