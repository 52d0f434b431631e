import { readFileSync } from 'node:fs';
import type uPlot from 'uplot';

/** The chart library (uPlot, MIT, ~50 KB) is served by the dashboard itself: no CDN, CSP 'self'. */
export type ChartLibrary = typeof uPlot;

/** uPlot's browser build and stylesheet, read once from the installed package. */
export function loadChartLibrary(): { js: string; css: string } {
  return {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

/**
 * Mermaid's self-contained browser build (5.5 MB), read on first use and kept; undefined when the
 * package is not installed (pages then show the diagram source as text).
 */
export function mermaidLoader(): (() => string) | undefined {
  let path: string;
  try {
    path = require.resolve('mermaid/dist/mermaid.min.js');
  } catch {
    return undefined;
  }
  let text: string | undefined;
  return () => (text ??= readFileSync(path, 'utf8'));
}

/** Draws the `<pre class="mermaid">` blocks of a published document, strictly (labels sanitised, no clicks). */
export const MERMAID_INIT_JS = `
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    if (!window.mermaid) return;
    window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
    window.mermaid.run({ querySelector: 'pre.mermaid' }).catch(function () { /* the source stays readable */ });
  });
})();
`;

/** Draws every `[data-chart]` of the page from its JSON block, in UTC like the rest of the dashboard. */
export const CHARTS_JS = `
(function () {
  'use strict';
  var COLORS = ['#1f5fbf', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207'];
  function zone() { return document.documentElement.getAttribute('data-tz') || 'Etc/UTC'; }
  function draw(el) {
    var block = el.querySelector('script[type="application/json"]');
    if (!block || !window.uPlot) return;
    var data = JSON.parse(block.textContent);
    var tz = zone();
    var series = [{}].concat(data.series.map(function (name, i) {
      return { label: name, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 5 }, value: function (u, v) { return v == null ? '-' : v + ' ' + data.unit; } };
    }));
    var width = Math.max(260, el.clientWidth);
    var old = el.querySelector('.uplot');
    if (old) old.remove();
    new window.uPlot({
      width: width,
      height: 220,
      tzDate: function (ts) { return window.uPlot.tzDate(new Date(ts * 1000), tz); },
      series: series,
      axes: [{}, { label: data.unit, size: 56 }],
      scales: { x: { time: true, range: data.range ? function () { return data.range; } : undefined }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.15)]; } } },
      legend: { live: false },
    }, data.columns, el);
  }
  function drawAll() {
    var els = document.querySelectorAll('[data-chart]');
    for (var i = 0; i < els.length; i++) draw(els[i]);
  }
  var pending;
  window.addEventListener('resize', function () { clearTimeout(pending); pending = setTimeout(drawAll, 150); });
  document.addEventListener('DOMContentLoaded', drawAll);
})();
`;
