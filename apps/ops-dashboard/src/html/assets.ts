/**
 * The dashboard's only stylesheet and script, served from memory (the app is bundled into one
 * file, so there are no asset files to ship). The CSP allows scripts from 'self' only.
 */
export const DASHBOARD_CSS = `
:root { --fg:#1d2330; --muted:#5b6475; --bg:#f6f7f9; --card:#fff; --line:#dde1e7; --accent:#1f5fbf;
  --ok:#17663a; --ok-bg:#e3f4ea; --warn:#8a5a00; --warn-bg:#fff3d6; --bad:#a1161b; --bad-bg:#fde4e4; }
* { box-sizing: border-box; }
html { font-size: 14px; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Noto Sans JP", "Yu Gothic", Meiryo, sans-serif; }
header.top { display: flex; align-items: center; gap: 1.2rem; padding: .55rem 1.2rem; background: #18202e; color: #fff; flex-wrap: wrap; }
header.top a { color: #dfe7f5; text-decoration: none; }
header.top a.current, header.top a:hover { color: #fff; text-decoration: underline; }
header.top .who a { text-decoration: underline; }
header.top .brand { font-weight: 700; color: #fff; }
header.top nav { display: flex; gap: 1rem; flex-wrap: wrap; }
header.top .who { font-size: .9rem; color: #c9d3e3; }
header.top .tz { margin-left: auto; color: #c9d3e3; }
main { max-width: 1400px; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
h1 { font-size: 1.35rem; margin: .4rem 0 .8rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin-bottom: 1rem; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td .sub { display: block; color: var(--muted); font-size: .88rem; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.mono, code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9rem; }
.wrap { overflow-wrap: anywhere; word-break: break-word; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .82rem; border: 1px solid var(--line); background: #f1f3f6; white-space: nowrap; }
.badge.s-active, .badge.ok { background: var(--ok-bg); color: var(--ok); border-color: #b7dfc5; }
.badge.s-requested, .badge.warn { background: var(--warn-bg); color: var(--warn); border-color: #f0d48f; }
.badge.s-approved, .badge.s-provisioning { background: #e0ecfb; color: #1a4d99; border-color: #b3cdf0; }
.badge.s-revoking { background: #fdebdc; color: #8f3b06; border-color: #f3c39c; }
.badge.s-revoked { background: #e9ecf1; color: #3d4658; border-color: #c6ccd6; }
.badge.s-expired, .badge.s-cancelled { background: #f3f3f3; color: #4f5563; border-color: #d4d6da; border-style: dashed; }
.badge.s-failed, .badge.s-denied, .badge.bad { background: var(--bad-bg); color: var(--bad); border-color: #f1b5b5; }
.time-left { font-variant-numeric: tabular-nums; white-space: nowrap; }
.time-left.soon { color: var(--warn); font-weight: 600; }
.time-left.over { color: var(--bad); font-weight: 700; }
.banner { padding: .7rem 1rem; border-radius: 6px; margin: .6rem 0 1rem; border: 1px solid; }
.banner.ok { background: var(--ok-bg); color: var(--ok); border-color: #b7dfc5; }
.banner.bad { background: var(--bad-bg); color: var(--bad); border: 3px solid var(--bad); font-size: 1.15rem; font-weight: 700; }
.banner.info { background: #eaf1fb; color: #1a3f73; border-color: #b3cdf0; }
.banner.warn { background: var(--warn-bg); color: var(--warn); border-color: #f0d48f; }
form.filters { display: flex; gap: .6rem; flex-wrap: wrap; align-items: flex-end; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
input, select, button { max-width: 100%; font: inherit; padding: .3rem .45rem; border: 1px solid #b9c1cd; border-radius: 4px; background: #fff; }
button { cursor: pointer; }
button.danger { background: var(--bad); color: #fff; border-color: var(--bad); }
button.danger:hover { background: #7f1014; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
pre.data { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; max-width: 48rem; font-size: .82rem; }
.empty { padding: 1rem; color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.stats { display: flex; gap: 1rem; flex-wrap: wrap; }
.stats .card { min-width: 10rem; }
.stats .n { font-size: 1.5rem; font-weight: 700; }
a.stat, .stat { display: flex; flex-direction: column; flex: 1 1 12rem; color: inherit; text-decoration: none; }
a.stat:hover { border-color: var(--accent); }
.stat .label { color: var(--muted); font-size: .9rem; }
.stat .sub { color: var(--muted); font-size: .85rem; }
.stat.attn { border-left: 4px solid #d69e0b; }
.stat.alarm { border-left: 4px solid var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); gap: 1rem; }
.chart-card h2 { margin-top: 0; font-size: 1rem; }
.chart { width: 100%; min-height: 220px; overflow: hidden; }
.chart .uplot th, .chart .uplot td { padding: 0 .35rem; border: none; background: none; position: static; font-weight: 400; }
.chart .u-legend { font-size: .82rem; text-align: left; }
details summary { cursor: pointer; color: var(--accent); margin-top: .4rem; }
a { color: #1a56b0; }
.notice { padding: .6rem 1rem; border-radius: 6px; margin: .6rem 0 1rem; border: 1px solid #b7dfc5; background: var(--ok-bg); color: var(--ok); }
.actions-row { display: flex; gap: .6rem; flex-wrap: wrap; align-items: flex-end; margin-top: .8rem; }
.actions-row label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
.tz { font-size: .85rem; }
.signed-out { max-width: 36rem; margin: 3rem auto; }
.tz select { padding: .1rem .3rem; font-size: .85rem; }
.pager { display: flex; gap: 1rem; align-items: center; margin: .6rem 0; }
ol.findings { list-style: none; padding: 0; margin: 0; }
ol.findings li p { margin: .2rem 0; }
ol.events { list-style: none; margin: 0; padding: 0; }
ol.events li { padding: .45rem .8rem; border-bottom: 1px solid var(--line); display: grid; grid-template-columns: 14rem 1fr; gap: .2rem 1rem; }
ol.events .when { white-space: nowrap; }
ol.events li:last-child { border-bottom: none; }
ol.events li.broken { background: var(--bad-bg); }
ol.events .when { color: var(--muted); font-variant-numeric: tabular-nums; }
ol.events .what { overflow-wrap: anywhere; }
article.doc { overflow-wrap: anywhere; }
article.doc table { width: auto; max-width: 100%; display: block; overflow-x: auto; margin: .6rem 0; }
article.doc pre.code, article.doc pre.mermaid { background: #f3f5f8; border: 1px solid var(--line); border-radius: 4px; padding: .6rem; overflow-x: auto; white-space: pre; }
article.doc pre.mermaid[data-processed] { background: #fff; text-align: center; }
article.doc img { max-width: 100%; height: auto; }
article.doc h1 { font-size: 1.3rem; } article.doc h2 { font-size: 1.1rem; }
@media (max-width: 900px) { .hide-narrow { display: none; } }
/* Phones: table rows become cards, every cell labelled, nothing off-screen. */
@media (max-width: 640px) {
  main { padding: .6rem .6rem 2rem; }
  header.top { gap: .5rem .9rem; padding: .5rem .7rem; }
  header.top .tz { margin-left: 0; }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.cards tr { border-bottom: 2px solid var(--line); padding: .4rem .2rem; }
  table.cards td { border: none; padding: .2rem .5rem; display: grid; grid-template-columns: 7rem 1fr; gap: .5rem; }
  table.cards td { justify-items: start; align-items: baseline; }
  table.cards td::before { content: attr(data-label); color: var(--muted); font-size: .85rem; grid-column: 1; }
  table.cards td > * { grid-column: 2; }
  table.cards td > .sub { grid-column: 2; }
  table.cards td.hide-narrow { display: none; }
  table.cards td.num { text-align: left; }
  table.cards td[data-label=""]::before { content: none; }
  table.cards td[data-label=""] { display: block; }
  ol.events li { grid-template-columns: 1fr; }
  .table-wrap { border: none; background: transparent; }
  table.cards tr { background: var(--card); border: 1px solid var(--line); border-radius: 6px; margin-bottom: .6rem; }
}
/* Evidence (request page): statement text with invisible characters made visible. */
.evidence-bundle { margin-bottom: .8rem; }
.evidence-records td.stmt code { white-space: pre-wrap; }
.ctl { color: var(--bad); border: 1px dashed var(--bad); border-radius: 3px; padding: 0 .15rem; font-size: .8em; }
ul.warnings { margin: 0; padding-left: 1.1rem; }
@media (min-width: 641px) { .evidence-records td:first-child .mono { white-space: nowrap; } }
`;

export const DASHBOARD_JS = `
(function () {
  'use strict';
  function fmt(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return (h > 0 ? h + 'h ' + pad(m) + 'm ' : m + 'm ') + pad(sec) + 's';
  }
  function tick() {
    var now = Date.now();
    var els = document.querySelectorAll('[data-ends-at]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var end = Date.parse(el.getAttribute('data-ends-at'));
      if (isNaN(end)) continue;
      var left = end - now;
      el.textContent = left >= 0 ? fmt(left) : 'ended ' + fmt(left) + ' ago';
      el.classList.toggle('over', left < 0);
      el.classList.toggle('soon', left >= 0 && left < 10 * 60 * 1000);
    }
  }
  function refresh(el) {
    var url = el.getAttribute('data-refresh-url');
    var every = Number(el.getAttribute('data-refresh-ms')) || 10000;
    if (!url || el.hasAttribute('data-final')) return;
    setTimeout(function () {
      fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
        .then(function (text) {
          var next = document.createElement('div');
          next.innerHTML = text;
          var fresh = next.firstElementChild;
          if (fresh) { el.replaceWith(fresh); localize(fresh); tick(); refresh(fresh); }
          else refresh(el);
        })
        .catch(function () { refresh(el); });
    }, every);
  }
  // Times are written in UTC; a person may read them in their browser's zone instead (kept in localStorage).
  var UTC_TIME = /(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2})(:\\d{2})? UTC/g;
  function zonePref() { try { return localStorage.getItem('dbre-tz') || 'utc'; } catch (e) { return 'utc'; } }
  function localZone() { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch (e) { return 'UTC'; } }
  function localText(date, hm, sec) {
    var d = new Date(date + 'T' + hm + (sec || ':00') + 'Z');
    if (isNaN(d.getTime())) return null;
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    var off = -d.getTimezoneOffset();
    var zone = 'UTC' + (off >= 0 ? '+' : '-') + pad(Math.floor(Math.abs(off) / 60)) + ':' + pad(Math.abs(off) % 60);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + (sec ? ':' + pad(d.getSeconds()) : '') + ' ' + zone;
  }
  function localize(root) {
    if (zonePref() !== 'local' || !root) return;
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      if (!UTC_TIME.test(n.nodeValue)) continue;
      UTC_TIME.lastIndex = 0;
      n.nodeValue = n.nodeValue.replace(UTC_TIME, function (all, date, hm, sec) { return localText(date, hm, sec) || all; });
    }
  }
  if (zonePref() === 'local') document.documentElement.setAttribute('data-tz', localZone());
  document.addEventListener('change', function (e) {
    if (!e.target || e.target.id !== 'tz-choice') return;
    try { localStorage.setItem('dbre-tz', e.target.value); } catch (err) { /* private mode: this page only */ }
    window.location.reload();
  });
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var question = form && form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) e.preventDefault();
  });
  document.addEventListener('DOMContentLoaded', function () {
    var choice = document.getElementById('tz-choice');
    if (choice) {
      choice.value = zonePref();
      var local = choice.querySelector('option[value="local"]');
      if (local) local.textContent = 'Times in ' + localZone();
    }
    localize(document.querySelector('main'));
    tick();
    setInterval(tick, 1000);
    var live = document.querySelectorAll('[data-refresh-url]');
    for (var i = 0; i < live.length; i++) refresh(live[i]);
  });
})();
`;
