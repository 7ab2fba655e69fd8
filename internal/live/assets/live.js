'use strict';
(function () {
  // The page's only request is its data, at its own path.
  const dataURL = location.pathname + '?format=json';
  const SVGNS = 'http://www.w3.org/2000/svg';
  const palette = ['#2f6fd6', '#d1495b', '#2a9d8f', '#e09f3e', '#7b5ea7', '#3d405b', '#8ab17d', '#c06c84'];
  const sortState = {};
  let last = null;

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null && v !== '') e.setAttribute(k, v);
    }
    for (const k of kids) e.append(k);
    return e;
  }
  function svg(tag, attrs, ...kids) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const k of kids) e.append(k);
    return e;
  }

  // Numbers: three significant digits, as the tests read them.
  function fmtNum(x) {
    if (x === null || x === undefined) return '–';
    if (x === 0) return '0';
    if (Math.abs(x) >= 1000) return String(Math.round(x));
    return x.toPrecision(3);
  }
  function fmtPct(x) { return x === null || x === undefined ? '–' : fmtNum(x * 100) + ' %'; }
  function fmtDur(s) {
    if (s === null || s === undefined) return '–';
    if (Math.abs(s) >= 1) return fmtNum(s) + ' s';
    return fmtNum(s * 1000) + ' ms';
  }
  function fmtInt(x) { return x === null || x === undefined ? '–' : String(Math.round(x)); }
  function span(seconds) {
    if (seconds >= 60 && seconds % 60 === 0) return (seconds / 60) + ' min';
    return seconds + ' s';
  }
  function clock(ms) { return new Date(ms).toLocaleTimeString([], { hour12: false }); }

  // shown is the time the charts span, in seconds: the history held, in
  // whole minutes, at least one and at most the history's length.
  function shown(d) {
    return Math.min(d.history, Math.max(60, Math.ceil((d.now - d.first) / 60000) * 60));
  }

  // A line chart of lines over times, the x axis the time shown; a fixed
  // top for ratios.
  function chart(d, title, unit, fmt, lines, top) {
    const W = 580, H = 190, L = 58, R = 12, T = 26, B = 40;
    const spanS = shown(d);
    const end = d.now, start = end - spanS * 1000;
    const x = t => L + (W - L - R) * (t - start) / (end - start);
    let max = 0;
    for (const ln of lines) for (const v of ln.values) if (v !== null && v > max) max = v;
    if (top) max = top;
    if (max === 0) max = 1;
    const y = v => T + (H - T - B) * (1 - v / max);
    const g = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img' });
    g.append(svg('title', {}, `${title} (${unit}), the last ${span(spanS)}`));
    g.append(svg('text', { x: 0, y: 14, class: 'title' }, `${title} (${unit}) · last ${span(spanS)} · each point a ${span(d.chart)} rate`));
    for (const f of [0, 0.5, 1]) {
      const yy = y(max * f);
      g.append(svg('line', { x1: L, x2: W - R, y1: yy, y2: yy, class: 'grid' }));
      g.append(svg('text', { x: L - 6, y: yy + 4, 'text-anchor': 'end' }, fmt(max * f)));
    }
    const stepMin = spanS > 300 ? 5 : 1;
    for (let m = 0; m * 60 <= spanS; m += stepMin) {
      const xx = x(end - m * 60000);
      g.append(svg('line', { x1: xx, x2: xx, y1: T, y2: H - B, class: 'grid' }));
      g.append(svg('text', { x: xx, y: H - B + 14, 'text-anchor': 'middle' }, m === 0 ? 'now' : `−${m} min`));
    }
    let lx = L;
    lines.forEach((ln, i) => {
      const color = palette[i % palette.length];
      for (const seg of segments(d.times, ln.values)) draw(g, seg, x, y, color, 2.5);
      g.append(svg('rect', { x: lx, y: H - 14, width: 10, height: 10, fill: color }));
      const label = svg('text', { x: lx + 14, y: H - 5 }, ln.name);
      g.append(label);
      lx += 24 + 7 * ln.name.length;
    });
    return g;
  }

  // A small chart of one row's values over the time shown.
  function spark(d, values, what) {
    const W = 140, H = 26;
    const spanS = shown(d);
    const end = d.now, start = end - spanS * 1000;
    let max = 0;
    for (const v of values) if (v !== null && v > max) max = v;
    const g = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'spark', role: 'img' });
    g.append(svg('title', {}, `${what} over the last ${span(spanS)}, each point a ${span(d.chart)} rate; peak ${fmtNum(max)}`));
    g.append(svg('line', { x1: 0, x2: W, y1: H - 1, y2: H - 1, class: 'grid' }));
    const x = t => W * (t - start) / (end - start);
    const y = v => (H - 2) - (H - 4) * (max ? v / max : 0);
    for (const seg of segments(d.times, values)) draw(g, seg, x, y, palette[0], 1.8);
    return g;
  }

  function segments(times, values) {
    const out = [];
    let cur = [];
    values.forEach((v, i) => {
      if (v === null) {
        if (cur.length) out.push(cur);
        cur = [];
        return;
      }
      cur.push([times[i], v]);
    });
    if (cur.length) out.push(cur);
    return out;
  }

  // draw adds a segment of [time, value] points: a line, or a dot when it
  // is one point.
  function draw(g, seg, x, y, color, r) {
    if (seg.length === 1) {
      g.append(svg('circle', { cx: x(seg[0][0]).toFixed(1), cy: y(seg[0][1]).toFixed(1), r, fill: color }));
      return;
    }
    g.append(svg('polyline', { class: 'series', stroke: color, points: seg.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ') }));
  }

  // A sortable table: cols are {title, value(row), cell(row), num, cls(row)}.
  function table(id, cols, rows, def) {
    const st = sortState[id] || def || { col: 0, desc: false };
    const key = cols[st.col].value;
    const sorted = rows.slice().sort((a, b) => {
      const va = key(a), vb = key(b);
      if (va === vb) return 0;
      if (va === null || va === undefined) return 1;
      if (vb === null || vb === undefined) return -1;
      return (va < vb ? -1 : 1) * (st.desc ? -1 : 1);
    });
    const head = el('tr');
    cols.forEach((c, i) => {
      const th = el('th', { scope: 'col', class: c.num ? 'num' : '' }, c.title + (i === st.col ? (st.desc ? ' ▼' : ' ▲') : ''));
      th.addEventListener('click', () => {
        sortState[id] = { col: i, desc: i === st.col ? !st.desc : !!c.num };
        if (last) render(last);
      });
      head.append(th);
    });
    const body = el('tbody');
    for (const r of sorted) {
      const tr = el('tr', { class: cols.rowClass ? cols.rowClass(r) : '' });
      for (const c of cols) {
        const v = c.value(r);
        const td = el('td', { class: [c.num ? 'num' : '', c.cls ? c.cls(r) : ''].join(' ').trim(), 'data-col': c.id });
        if (v !== null && v !== undefined && typeof v === 'number') td.dataset.v = v;
        const content = c.cell ? c.cell(r) : String(v);
        td.append(content);
        tr.append(td);
      }
      body.append(tr);
    }
    return el('table', { id }, el('thead', {}, head), body);
  }
  const col = (id, title, field, fmt, extra) => Object.assign({ id, title, num: true, value: r => r[field], cell: r => fmt(r[field]) }, extra || {});
  const name = (id, title, field) => ({ id, title, value: r => r[field], cell: r => r[field], cls: () => 'name' });

  function card(id, label, value) {
    return el('div', { class: 'card', id }, el('div', { class: 'v' }, value), el('div', { class: 'k' }, label));
  }
  function section(id, title, note, ...kids) {
    return el('section', { id }, el('h2', {}, title + ' ', el('small', {}, note)), ...kids);
  }

  function httpSection(d) {
    const h = d.http;
    const w = span(d.window);
    const kids = [el('div', { class: 'cards' },
      card('http-requests', `requests/s, last ${w}`, fmtNum(h.requests)),
      card('http-5xx', `5xx ratio, last ${w}`, fmtPct(h.errorRatio)),
      card('http-inflight', 'in flight now', fmtInt(h.inFlight)))];
    if (h.chart.lines && h.chart.lines.length) {
      kids.push(el('div', { class: 'charts' }, chart(d, 'Responses', 'per second', fmtNum, h.chart.lines)));
    }
    kids.push(el('h3', {}, `Views: rates and latency over the last ${w}; requests/s over the last ${span(shown(d))}`));
    kids.push(table('views', [
      name('view', 'view', 'view'),
      col('requests', 'requests/s', 'requests', fmtNum),
      col('errors', '5xx', 'errorRatio', fmtPct),
      col('p50', 'p50', 'p50', fmtDur),
      col('p95', 'p95', 'p95', fmtDur),
      col('p99', 'p99', 'p99', fmtDur),
      { id: 'trend', title: `requests/s, ${span(shown(d))}`, value: r => Math.max(0, ...r.chart.filter(v => v !== null)), cell: r => spark(d, r.chart, 'requests/s') },
    ], h.views, { col: 1, desc: true }));
    return section('http', 'HTTP', `(latency is time inside After, by route)`, ...kids);
  }

  function dbSection(d) {
    const db = d.db;
    const w = span(d.window);
    const cols = [
      name('alias', 'alias', 'alias'),
      { id: 'vendor', title: 'vendor', value: r => r.vendor, cell: r => r.vendor || '–' },
      col('queries', 'statements/s', 'queries', fmtNum),
      col('errors', 'errors/s', 'errors', fmtNum),
      col('p99', 'p99', 'p99', fmtDur),
      col('inUse', 'in use', 'inUse', fmtInt),
      col('idle', 'idle', 'idle', fmtInt),
      col('maxOpen', 'max open', 'maxOpen', v => v ? fmtInt(v) : (v === 0 ? 'no limit' : '–')),
      col('waits', 'waits/s', 'waits', fmtNum),
    ];
    const kids = [table('db-aliases', cols, db.aliases, { col: 0, desc: false })];
    if (db.errors && db.errors.length) {
      kids.push(el('h3', {}, `Errors by type, per second over the last ${w}`));
      kids.push(table('db-errors', [name('alias', 'alias', 'alias'), name('type', 'type', 'type'), col('rate', 'errors/s', 'rate', fmtNum)], db.errors, { col: 2, desc: true }));
    }
    if (db.chart.lines && db.chart.lines.length) {
      kids.push(el('div', { class: 'charts' }, chart(d, 'Statements by alias', 'per second', fmtNum, db.chart.lines)));
    }
    return section('db', 'Database', `(rates over the last ${w}; pool connections now)`, ...kids);
  }

  function cacheSection(d) {
    const w = span(d.window);
    const cols = [
      name('backend', 'backend', 'backend'),
      col('gets', 'gets/s', 'gets', fmtNum),
      col('hitRatio', 'hit ratio', 'hitRatio', fmtPct),
      col('misses', 'misses/s', 'misses', fmtNum),
      col('getFails', 'get failures/s', 'getFails', fmtNum),
      col('setFails', 'set failures/s', 'setFails', fmtNum),
      col('deleteFails', 'delete failures/s', 'deleteFails', fmtNum),
      { id: 'trend', title: `hit ratio, ${span(shown(d))}`, value: r => r.hitRatio, cell: r => spark(d, r.chart, 'hit ratio') },
    ];
    const kids = [table('cache-backends', cols, d.cache, { col: 0, desc: false })];
    const lines = d.cache.map(r => ({ name: r.backend, values: r.chart.map(v => v === null ? null : v * 100) }));
    kids.push(el('div', { class: 'charts' }, chart(d, 'Hit ratio by backend', '%', fmtNum, lines, 100)));
    return section('cache', 'Cache', `(rates over the last ${w})`, ...kids);
  }

  function modelSection(d) {
    const cols = [
      name('model', 'model', 'model'),
      col('inserts', 'inserts/s', 'inserts', fmtNum),
      col('updates', 'updates/s', 'updates', fmtNum),
      col('deletes', 'deletes/s', 'deletes', fmtNum),
      col('queries', 'queries/s', 'queries', fmtNum),
    ];
    return section('models', 'Models', `(operations per second over the last ${span(d.window)})`, table('models', cols, d.models, { col: 0, desc: false }));
  }

  function migrationSection(d) {
    const bad = r => (r.unapplied || 0) > 0 || (r.dirty || 0) >= 1;
    const cols = [
      name('connection', 'connection', 'connection'),
      { id: 'state', title: 'state', value: r => bad(r) ? 1 : 0, cls: r => bad(r) ? 'warn' : 'ok',
        cell: r => (r.dirty || 0) >= 1 ? '⚠ dirty' : (r.unapplied || 0) > 0 ? `⚠ ${fmtInt(r.unapplied)} unapplied` : 'up to date' },
      col('applied', 'applied', 'applied', fmtInt),
      col('unapplied', 'unapplied', 'unapplied', fmtInt),
      col('dirty', 'dirty', 'dirty', v => v === null || v === undefined ? '–' : (v >= 1 ? 'yes' : 'no')),
      col('version', 'version', 'version', fmtInt),
      { id: 'lastRead', title: 'last read', num: true, value: r => r.lastRead,
        cell: r => r.lastRead ? `${clock(r.lastRead)} (${Math.max(0, Math.round((d.now - r.lastRead) / 1000))} s before the sample)` : 'never' },
      col('readErrors', 'read errors/s', 'readErrors', fmtNum),
    ];
    cols.rowClass = r => bad(r) ? 'warn' : '';
    return section('migrations', 'Migrations', '(the status as last read; unapplied or dirty is a warning)', table('migrations', cols, d.migrations, { col: 0, desc: false }));
  }

  function render(d) {
    last = d;
    const status = document.getElementById('status');
    status.dataset.now = d.now || 0;
    status.dataset.first = d.first || 0;
    status.dataset.samples = d.samples || 0;
    status.dataset.window = d.window || 0;
    if (!d.now) {
      status.textContent = 'collecting the first sample…';
      return;
    }
    let text = `as of ${clock(d.now)} · rates per second over the last ${span(d.window)} (${d.inWindow} samples, one every ${span(d.step)})`;
    if (d.samples < 2) text += ' · rates need a second sample, due within ' + span(d.step);
    if (d.omitted) text += ` · ${d.omitted} series not shown (over the page's caps)`;
    status.textContent = text;
    const parts = [];
    if (d.http) parts.push(httpSection(d));
    if (d.db) parts.push(dbSection(d));
    if (d.cache) parts.push(cacheSection(d));
    if (d.models) parts.push(modelSection(d));
    if (d.migrations) parts.push(migrationSection(d));
    if (!parts.length) {
      parts.push(el('section', { class: 'empty', id: 'empty' }, el('p', {},
        `No stackprom family found under the ${d.naming} naming preset ${d.namespace ? 'and the namespace ' + d.namespace : 'without namespace'}. ` +
        'Give the live handler the registry the components register on (WithRegisterer or WithGatherer) and the same WithNaming and WithNamespace.')));
    }
    document.getElementById('main').replaceChildren(...parts);
  }

  function poll() {
    let step = last && last.step ? last.step : 5;
    fetch(dataURL, { cache: 'no-store', credentials: 'same-origin' })
      .then(r => {
        if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
        return r.json();
      })
      .then(d => {
        render(d);
        step = d.step || step;
      })
      .catch(e => {
        document.getElementById('status').textContent = `cannot read the data (${e.message}); trying again`;
      })
      .finally(() => setTimeout(poll, Math.max(1, step / 2) * 1000));
  }
  poll();
})();
