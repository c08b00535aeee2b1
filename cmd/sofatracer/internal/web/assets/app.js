// sofatracer UI. Every value that comes from a log is put into the page
// with textContent or a data attribute, never as HTML.
'use strict';

const $ = (sel) => document.querySelector(sel);
const ROW = 22;
const F_ERROR = 1, F_MISSING = 2, F_SKEW = 4, F_RESTART = 8, F_SHADOW = 16;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = String(text);
  return e;
}

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error((await r.text()) || r.statusText);
  return r.json();
}

function fmtTime(ms) {
  const d = new Date(ms), p = (n, w) => String(n).padStart(w || 2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function show(view) {
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + view;
}

// ---- routing ----
function route() {
  const h = location.hash || '#/';
  if (h.startsWith('#/trace/')) {
    openTrace(decodeURIComponent(h.slice(8)));
  } else if (h === '#/graph') {
    show('graph'); loadGraph();
  } else if (h === '#/stats') {
    show('stats'); loadStats();
  } else {
    show('search'); runSearch();
  }
}
window.addEventListener('hashchange', route);

// ---- search ----
function searchParams() {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData($('#search'))) if (v !== '') p.append(k, v);
  return p;
}

// searchSeq numbers the searches: only the newest one's answer is shown,
// so a slow earlier answer never overwrites a later one.
let searchSeq = 0;

async function runSearch() {
  const msg = $('#search-msg'), body = $('#results tbody'), seq = ++searchSeq;
  try {
    const found = await getJSON('api/find?' + searchParams());
    if (seq !== searchSeq) return;
    body.replaceChildren();
    for (const t of found) {
      const tr = el('tr');
      tr.dataset.trace = t.traceId;
      const a = el('a', 'trace-link', t.traceId);
      a.href = '#/trace/' + encodeURIComponent(t.traceId);
      const td = el('td'); td.append(a); tr.append(td);
      tr.append(el('td', '', fmtTime(t.startMs)), el('td', '', t.durationMs + ' ms'), el('td', '', t.spans),
        el('td', t.error ? 'err' : '', t.error ? 'error' : ''), el('td', '', t.root), el('td', '', (t.services || []).join(', ')));
      body.append(tr);
    }
    msg.textContent = found.length ? `${found.length} traces, newest first` : 'no trace matches';
  } catch (e) {
    if (seq === searchSeq) msg.textContent = 'search failed: ' + e.message;
  }
}

$('#search').addEventListener('submit', (e) => { e.preventDefault(); if (location.hash !== '#/' && location.hash !== '') location.hash = '#/'; else runSearch(); });
$('#goto').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && e.target.value.trim()) { e.preventDefault(); location.hash = '#/trace/' + encodeURIComponent(e.target.value.trim()); }
});

async function loadServices() {
  try {
    const list = await getJSON('api/services'), dl = $('#services');
    dl.replaceChildren(...list.map((s) => { const o = el('option'); o.value = s; return o; }));
  } catch (e) { /* the search still works without suggestions */ }
}

// ---- live ----
let lastSpans = -1;
async function poll() {
  try {
    const v = await getJSON('api/version');
    $('#live').textContent = `live · ${v.traces} traces · ${v.spans} spans` + (v.corrupt ? ` · ${v.corrupt} corrupt lines skipped` : '');
    if (lastSpans >= 0 && v.spans !== lastSpans) {
      if (!$('#view-search').hidden) runSearch();
      loadServices();
    }
    lastSpans = v.spans;
  } catch (e) { $('#live').textContent = 'server unreachable'; }
}

// ---- trace waterfall ----
const T = { data: null, n: 0, parent: null, depth: null, end: null, collapsed: null, visible: [], sel: -1, matches: [], matchAt: -1, rows: [] };

async function openTrace(id) {
  show('trace');
  $('#detail').hidden = true;
  const head = $('#trace-head');
  head.textContent = 'loading ' + id + ' …';
  let d;
  try {
    d = await getJSON('api/trace?id=' + encodeURIComponent(id));
  } catch (e) {
    head.textContent = 'trace ' + id + ': ' + e.message;
    return;
  }
  T.data = d; T.n = d.spans.length;
  T.parent = new Int32Array(T.n); T.depth = new Int32Array(T.n); T.end = new Int32Array(T.n);
  T.collapsed = new Uint8Array(T.n);
  for (let i = 0; i < T.n; i++) {
    const p = d.spans[i][1];
    T.parent[i] = p; T.depth[i] = p >= 0 ? T.depth[p] + 1 : 0; T.end[i] = i + 1;
  }
  for (let i = T.n - 1; i >= 0; i--) { const p = T.parent[i]; if (p >= 0 && T.end[i] > T.end[p]) T.end[p] = T.end[i]; }
  T.sel = T.n ? 0 : -1; T.matches = []; T.matchAt = -1;
  $('#find').value = ''; $('#find-count').textContent = '';
  const notes = [];
  if (d.error) notes.push('errors');
  if (d.missing) notes.push(d.missing + ' missing');
  if (d.skew) notes.push('clock skew');
  head.replaceChildren(el('h2', '', 'Trace ' + d.traceId),
    el('div', '', `${fmtTime(d.startMs)} · ${d.durationMs} ms · ${T.n - d.missing} spans · ${d.services.filter((s) => s !== '?').length} services` + (notes.length ? ' · ' + notes.join(', ') : '')));
  $('#download').href = 'api/jaeger?id=' + encodeURIComponent(d.traceId);
  computeVisible();
  const wf = $('#waterfall');
  wf.scrollTop = 0;
  render();
  wf.focus();
  // the task right after the next frame: the rows are on screen
  requestAnimationFrame(() => setTimeout(() => {
    performance.mark('waterfall-painted');
    document.body.dataset.painted = d.traceId;
  }, 0));
}

function computeVisible() {
  const v = [];
  for (let i = 0; i < T.n;) { v.push(i); i = T.collapsed[i] ? T.end[i] : i + 1; }
  T.visible = v;
  $('#wf-spacer').style.height = (v.length * ROW) + 'px';
}

function timeRange() {
  const d = T.data, corr = $('#corrected').checked;
  let lo = Infinity, hi = -Infinity;
  for (const s of d.spans) {
    const sh = corr ? s[9] : 0;
    if (s[6] + sh < lo) lo = s[6] + sh;
    if (s[6] + s[7] + sh > hi) hi = s[6] + s[7] + sh;
  }
  return [lo, Math.max(hi - lo, 1)];
}

function makeRow() {
  const row = el('div', 'row'), name = el('div', 'name'), tog = el('button', 'tog'), svc = el('span', 'svc'), op = el('span', 'op');
  const badges = el('span'), track = el('div', 'track'), bar = el('div', 'bar'), dur = el('div', 'dur');
  tog.type = 'button'; tog.tabIndex = -1;
  name.append(tog, svc, op, badges); track.append(bar); row.append(name, track, dur);
  row.addEventListener('click', (e) => {
    const i = Number(row.dataset.i);
    if (e.target === tog) { toggle(i); return; }
    select(i); openDetail(i);
  });
  row._p = { tog, svc, op, badges, bar, dur, name };
  $('#waterfall').append(row);
  return row;
}

let range = [0, 1];
function render() {
  if (!T.data) return;
  range = timeRange();
  const wf = $('#waterfall'), d = T.data, corr = $('#corrected').checked;
  const first = Math.max(0, Math.floor(wf.scrollTop / ROW) - 10);
  const count = Math.ceil((wf.clientHeight || 600) / ROW) + 20;
  const last = Math.min(T.visible.length, first + count);
  const matchSet = new Set(T.matches);
  let k = 0;
  for (let r = first; r < last; r++, k++) {
    const i = T.visible[r], s = d.spans[i];
    const row = T.rows[k] || (T.rows[k] = makeRow()), p = row._p;
    row.hidden = false;
    row.dataset.i = i;
    row.dataset.span = s[0];
    row.style.top = (r * ROW) + 'px';
    row.className = 'row' + (s[8] & F_ERROR ? ' error' : '') + (s[8] & F_MISSING ? ' missing' : '') + (i === T.sel ? ' sel' : '') + (matchSet.has(i) ? ' match' : '');
    p.name.style.paddingLeft = (T.depth[i] * 12) + 'px';
    p.tog.textContent = T.end[i] > i + 1 ? (T.collapsed[i] ? '▸' : '▾') : '';
    p.svc.textContent = d.services[s[2]];
    p.op.textContent = (s[4] ? s[4] + ' ' : '') + (s[3] || '') + (s[5] ? ' [' + s[5] + ']' : '');
    const b = [];
    if (s[8] & F_MISSING) b.push('missing');
    if (s[8] & F_SKEW) b.push('skew ' + s[10] + 'ms');
    if (corr && s[9]) b.push('shifted ' + (s[9] > 0 ? '+' : '') + s[9] + 'ms');
    if (s[8] & F_RESTART) b.push('restarted');
    if (s[8] & F_SHADOW) b.push('load test');
    p.badges.replaceChildren(...b.map((t) => el('span', 'badge', t)));
    const start = s[6] + (corr ? s[9] : 0);
    p.bar.style.left = ((start - range[0]) / range[1] * 100) + '%';
    p.bar.style.width = (s[7] / range[1] * 100) + '%';
    p.dur.textContent = s[8] & F_MISSING ? '?' : s[7] + ' ms';
  }
  for (; k < T.rows.length; k++) T.rows[k].hidden = true;
}
$('#waterfall').addEventListener('scroll', () => requestAnimationFrame(render));
$('#corrected').addEventListener('change', render);

function toggle(i, to) {
  if (T.end[i] <= i + 1) return;
  T.collapsed[i] = to === undefined ? (T.collapsed[i] ? 0 : 1) : to;
  computeVisible(); render();
}

function setAll(v) {
  for (let i = 0; i < T.n; i++) T.collapsed[i] = T.end[i] > i + 1 && T.parent[i] >= 0 ? v : 0;
  computeVisible(); render();
}
$('#collapse-all').addEventListener('click', () => setAll(1));
$('#expand-all').addEventListener('click', () => setAll(0));

function select(i) {
  // expand the ancestors, then scroll the row into view
  let opened = false;
  for (let p = T.parent[i]; p >= 0; p = T.parent[p]) if (T.collapsed[p]) { T.collapsed[p] = 0; opened = true; }
  if (opened) computeVisible();
  T.sel = i;
  const r = T.visible.indexOf(i), wf = $('#waterfall');
  if (r >= 0) {
    if (r * ROW < wf.scrollTop) wf.scrollTop = r * ROW;
    else if ((r + 1) * ROW > wf.scrollTop + wf.clientHeight) wf.scrollTop = (r + 1) * ROW - wf.clientHeight;
  }
  render();
}

function move(delta) {
  const r = T.visible.indexOf(T.sel) + delta;
  if (r >= 0 && r < T.visible.length) select(T.visible[r]);
}

$('#waterfall').addEventListener('keydown', (e) => {
  if (!T.data) return;
  const i = T.sel;
  switch (e.key) {
    case 'ArrowDown': case 'j': move(1); break;
    case 'ArrowUp': case 'k': move(-1); break;
    case 'ArrowLeft': case 'h':
      if (T.end[i] > i + 1 && !T.collapsed[i]) toggle(i, 1); else if (T.parent[i] >= 0) select(T.parent[i]);
      break;
    case 'ArrowRight': case 'l': toggle(i, 0); break;
    case 'Enter': openDetail(i); break;
    case '[': setAll(1); break;
    case ']': setAll(0); break;
    case 'n': nextMatch(); break;
    case '/': $('#find').focus(); break;
    case 'Escape': $('#detail').hidden = true; break;
    default: return;
  }
  e.preventDefault();
});

// ---- find in trace ----
function runFind() {
  const q = $('#find').value.trim().toLowerCase(), d = T.data;
  T.matches = [];
  if (q && d) {
    for (let i = 0; i < T.n; i++) {
      const s = d.spans[i];
      if ((s[0] + ' ' + d.services[s[2]] + ' ' + s[3] + ' ' + s[5]).toLowerCase().includes(q)) T.matches.push(i);
    }
  }
  T.matchAt = -1;
  $('#find-count').textContent = q ? T.matches.length + ' found' : '';
  if (T.matches.length) nextMatch(); else render();
}
function nextMatch() {
  if (!T.matches.length) return;
  T.matchAt = (T.matchAt + 1) % T.matches.length;
  select(T.matches[T.matchAt]);
}
$('#find').addEventListener('input', runFind);
$('#find').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') { e.preventDefault(); nextMatch(); }
  if (e.key === 'Escape') { $('#waterfall').focus(); }
});

// ---- span detail ----
function kvRow(k, v) {
  const tr = el('tr');
  tr.append(el('td', '', k), el('td', '', v));
  return tr;
}

function parseBaggage(s) {
  const out = [];
  for (const part of String(s || '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const un = (x) => x.replace(/%3D/g, '=').replace(/%26/g, '&').replace(/%25/g, '%');
    out.push(eq < 0 ? [un(part), ''] : [un(part.slice(0, eq)), un(part.slice(eq + 1))]);
  }
  return out;
}

async function openDetail(i) {
  const panel = $('#detail');
  panel.hidden = false;
  const s = T.data.spans[i];
  $('#detail-title').textContent = T.data.services[s[2]] + ' · ' + s[0];
  const fields = $('#detail-fields tbody'), bag = $('#detail-baggage tbody');
  fields.replaceChildren(kvRow('loading', '…')); bag.replaceChildren();
  let sp;
  try {
    sp = await getJSON('api/span?id=' + encodeURIComponent(T.data.traceId) + '&i=' + i);
  } catch (e) {
    fields.replaceChildren(kvRow('error', e.message));
    return;
  }
  const rows = [kvRow('spanId', sp.spanId), kvRow('parent', sp.parentId), kvRow('service', sp.service), kvRow('operation', sp.operation),
    kvRow('kind', sp.kind), kvRow('result.code', sp.resultCode), kvRow('start', fmtTime(sp.startMs)), kvRow('duration', sp.durationMs + ' ms')];
  if (sp.missing) rows.push(kvRow('missing', 'no log line has this span'));
  if (sp.skew) rows.push(kvRow('clock skew', `outside its parent by ${sp.skewMs} ms; the corrected view moves it by ${sp.shiftMs} ms`));
  if (sp.host) rows.push(kvRow('host', sp.host));
  if (sp.file) rows.push(kvRow('file', sp.file));
  const bags = [];
  for (const f of sp.fields || []) {
    rows.push(kvRow(f.key, f.value));
    if (/baggage$/.test(f.key)) for (const [k, v] of parseBaggage(f.value)) bags.push(kvRow(k, v));
  }
  fields.replaceChildren(...rows);
  bag.replaceChildren(...bags);
}
$('#detail-close').addEventListener('click', () => { $('#detail').hidden = true; });

// ---- dependency graph ----
const SVG = 'http://www.w3.org/2000/svg';
function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

async function loadGraph() {
  const svg = $('#graph'), body = $('#edges tbody');
  let g;
  try { g = await getJSON('api/graph'); } catch (e) { svg.replaceChildren(svgEl('text', { x: 10, y: 20 }, e.message)); return; }
  const W = 900, H = 620, cx = W / 2, cy = H / 2, R = Math.min(W, H) / 2 - 80, pos = {};
  g.nodes.forEach((n, i) => {
    const a = 2 * Math.PI * i / Math.max(g.nodes.length, 1) - Math.PI / 2;
    pos[n] = [cx + R * Math.cos(a), cy + R * Math.sin(a)];
  });
  const defs = svgEl('defs'), marker = svgEl('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 22, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' });
  marker.append(svgEl('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#789' })); defs.append(marker);
  const parts = [defs];
  for (const e of g.edges) {
    const [x1, y1] = pos[e.from], [x2, y2] = pos[e.to];
    const line = svgEl('line', { x1, y1, x2, y2, stroke: e.errors ? '#d9534f' : '#789', 'stroke-width': 1 + Math.min(4, Math.log10(e.calls + 1)), 'marker-end': 'url(#arrow)', class: 'edge' });
    line.append(svgEl('title', {}, `${e.from} → ${e.to}`));
    parts.push(line, svgEl('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, 'text-anchor': 'middle', fill: '#345', class: 'edge-label' },
      `${e.calls} calls · ${e.errors} err · ${e.meanMs.toFixed(1)} ms`));
  }
  for (const n of g.nodes) {
    const [x, y] = pos[n], grp = svgEl('g', { class: 'node' });
    grp.append(svgEl('circle', { cx: x, cy: y, r: 16, fill: '#5b8def' }), svgEl('text', { x, y: y + 30, 'text-anchor': 'middle' }, n));
    parts.push(grp);
  }
  svg.replaceChildren(...parts);
  body.replaceChildren(...g.edges.map((e) => {
    const tr = el('tr');
    tr.append(el('td', '', e.from), el('td', '', e.to), el('td', '', e.calls), el('td', e.errors ? 'err' : '', e.errors), el('td', '', e.meanMs.toFixed(1) + ' ms'));
    return tr;
  }));
}

// ---- stat charts ----
async function loadStats() {
  const box = $('#stats');
  let series;
  try { series = await getJSON('api/stats'); } catch (e) { box.textContent = e.message; return; }
  if (!series.length) { box.textContent = 'no stat lines'; return; }
  box.replaceChildren(...series.map((s) => {
    const div = el('div', 'chart'), key = s.key.map((kv) => kv.key + '=' + kv.value).join(' ');
    div.append(el('div', 'svc', s.layout + (s.loadTest ? ' (load test)' : '')), el('div', 'op', key),
      el('div', '', `${s.calls} calls · ${(100 * s.errorRate).toFixed(1)}% errors · mean ${s.meanMs.toFixed(1)} ms`));
    const W = 320, H = 90, iv = s.intervals, maxC = Math.max(1, ...iv.map((x) => x.calls)), maxM = Math.max(1, ...iv.map((x) => x.meanMs));
    const svg = svgEl('svg', { width: W, height: H, class: 'stat-chart' });
    const bw = W / Math.max(iv.length, 1);
    iv.forEach((x, i) => {
      const h = x.calls / maxC * (H - 10);
      const r = svgEl('rect', { x: i * bw + 1, y: H - h, width: Math.max(1, bw - 2), height: h, fill: x.errors ? '#d9534f' : '#9bd' });
      r.append(svgEl('title', {}, `${fmtTime(x.timeMs)}: ${x.calls} calls, ${x.errors} errors, ${x.meanMs.toFixed(1)} ms`));
      svg.append(r);
    });
    const pts = iv.map((x, i) => `${i * bw + bw / 2},${H - x.meanMs / maxM * (H - 10)}`).join(' ');
    svg.append(svgEl('polyline', { points: pts, fill: 'none', stroke: '#234', 'stroke-width': 1.5 }));
    div.append(svg);
    return div;
  }));
}

loadServices();
route();
poll();
setInterval(poll, 1000);
