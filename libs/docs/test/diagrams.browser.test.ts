/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The ER diagrams of the benchmark's 250-table schema in a real browser (Debian's chromium driven
 * by playwright-core): the overview and a table's diagram stay within their size bound, every box
 * lies inside the picture, and every label fits its box with the fonts this machine has.
 * Screenshots go to test-artifacts/ (gitignored).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { schemaOverviewSvg, tableDiagramSvg } from '../src/render/diagram-svg';
import { tableKey } from '../src/render/relations';
import type { Table } from '../src';
import { benchSchemaEntry } from './support/bench-schema';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts');

jest.setTimeout(90_000);

/** Boxes (a rect followed by its texts in one <g>) whose texts overflow, and boxes outside the picture. */
async function layoutProblems(page: Page): Promise<{ width: number; height: number; boxes: number; overflow: string[]; outside: string[] }> {
  return page.evaluate(() => {
    const svg = document.querySelector('svg') as SVGSVGElement;
    const width = svg.width.baseVal.value;
    const height = svg.height.baseVal.value;
    const overflow: string[] = [];
    const outside: string[] = [];
    const groups = [...svg.querySelectorAll('g')];
    for (const g of groups) {
      const rect = g.querySelector('rect') as SVGRectElement | null;
      if (!rect) continue;
      const r = rect.getBBox();
      if (r.x < 0 || r.y < 0 || r.x + r.width > width + 0.5 || r.y + r.height > height + 0.5) outside.push(g.querySelector('title')?.textContent ?? '?');
      const texts = [...g.querySelectorAll('text')];
      for (const t of texts) {
        const b = t.getBBox();
        if (b.x < r.x - 0.5 || b.x + b.width > r.x + r.width + 0.5) overflow.push(`${t.textContent} (${b.width.toFixed(1)} in ${r.width.toFixed(1)})`);
      }
      // Left and right texts of one row must not run into each other.
      for (const a of texts) {
        for (const b of texts) {
          if (a === b || a.getAttribute('y') !== b.getAttribute('y')) continue;
          const ba = a.getBBox();
          const bb = b.getBBox();
          if (ba.x < bb.x && ba.x + ba.width > bb.x + 0.5) overflow.push(`${a.textContent} runs into ${b.textContent}`);
        }
      }
    }
    return { width, height, boxes: groups.length, overflow, outside };
  });
}

describe('ER diagrams of a 250-table schema in a browser', () => {
  let browser: Browser;
  const schema = benchSchemaEntry('bench_01', 250);

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (CI: WITH_CHROMIUM=1 tools/local-stack/ensure-services.sh)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  const show = async (svg: string, name: string, width: number, height: number) => {
    const file = path.join(ARTIFACTS, `${name}.svg`);
    writeFileSync(file, svg);
    const page = await browser.newPage({ viewport: { width: Math.min(width, 1600), height: Math.min(height, 1200) } });
    await page.goto(`file://${file}`);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
    return page;
  };

  it('draws the overview as one legible page within the size bound, every label inside its box', async () => {
    const pages = schemaOverviewSvg(schema);
    expect(pages).toHaveLength(1);
    const [overview] = pages;
    expect(overview!.tables).toBe(250);
    const page = await show(overview!.svg, 'docs-overview-250', overview!.width, overview!.height);
    const found = await layoutProblems(page);
    // Roughly square, not one tall column (Graphviz gave 496 x 22,961 pt).
    expect(found.width).toBeLessThanOrEqual(3000);
    expect(found.height).toBeLessThanOrEqual(3000);
    expect(found.width / found.height).toBeGreaterThan(0.5);
    expect(found.boxes).toBe(250);
    expect(found.overflow).toEqual([]);
    expect(found.outside).toEqual([]);
    await page.close();
  });

  it('splits an overview into pages when a side would pass the bound', () => {
    const pages = schemaOverviewSvg(schema, { maxSide: 800 });
    expect(pages.length).toBeGreaterThan(1);
    for (const p of pages) {
      expect(p.width).toBeLessThanOrEqual(800);
      expect(p.height).toBeLessThanOrEqual(800);
    }
    expect(pages.reduce((n, p) => n + p.tables, 0)).toBe(250);
  });

  it("draws a table with its parent and children, columns and types inside their boxes", async () => {
    const tables = new Map<string, Table>(schema.tables.map((t) => [tableKey(schema.name, t.name), t]));
    const t5 = tables.get(tableKey(schema.name, 't_5'))!;
    const children = schema.tables.filter((t) => t.foreignKeys.some((f) => f.referencedTable === 't_5')).map((t) => ({ schema: schema.name, table: t.name, fk: t.foreignKeys[0]! }));
    expect(children.map((c) => c.table)).toEqual(['t_10', 't_11']);
    const svg = tableDiagramSvg({ schema: schema.name, table: t5, tables, children, readers: [{ schema: schema.name, name: 'v_open_items' }] });
    const size = /width="(\d+)" height="(\d+)"/.exec(svg)!;
    const page = await show(svg, 'docs-table-diagram', Number(size[1]), Number(size[2]));
    const found = await layoutProblems(page);
    expect(found.boxes).toBe(5); // t_2 (parent), t_5, t_10, t_11, the view
    expect(found.overflow).toEqual([]);
    expect(found.outside).toEqual([]);
    const titles = await page.$$eval('g > title', (els) => els.map((e) => e.textContent));
    expect(titles).toEqual(['t_2', 't_5', 't_10', 't_11', 'v_open_items']);
    await page.close();
  });
});
