// Renders a faultline report from the JSON in #report-data (reports/html/report_data.h
// documents its shape). Every text that comes from a history is put into the page
// with text nodes or textContent, never as markup: that, and the escaping of the
// embedded JSON, is what keeps a value that looks like markup plain text.
(function () {
  'use strict';

  // Column order: reports/html/report_data.h (ERROR and NODE only in rows that have them).
  const C = { PROCESS: 0, F: 1, TYPE: 2, START: 3, END: 4, KEY: 5, VALUE: 6, RESULT: 7, LINE: 8, END_LINE: 9, FLAGS: 10, ERROR: 11, NODE: 12 };
  const FLAG_ANOMALY = 1;
  const TYPES = ['ok', 'fail', 'info', 'pending'];
  const COLOURS = { ok: '#3a9a4a', fail: '#d0453b', info: '#e0a526', pending: '#9a9a9a' };
  const F_COLOURS = ['#2b5fb4', '#c2417a', '#2a9d8f', '#8d5fd3', '#e76f51', '#6b8e23', '#b8860b', '#4682b4'];
  const FAULT = 'rgba(230, 120, 30, 0.16)';
  // Node log lines by kind (node_logs.h).
  const LOG_COLOURS = { leader: '#7b2cbf', election: '#2b5fb4', follower: '#8fb3e8', restart: '#8c564b', error: '#111111', warning: '#c9a227' };

  function $(id) { return document.getElementById(id); }

  // el('td', {className: 'x'}, 'text', child): strings become text nodes.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) for (const [k, v] of Object.entries(props)) node[k] = v;
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === 'string' || typeof child === 'number'
        ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function showError(message) {
    const e = $('error');
    e.textContent = 'The report could not be drawn: ' + message;
    e.hidden = false;
    document.body.dataset.rendered = 'error';
  }

  let data;
  try {
    data = JSON.parse($('report-data').textContent);
  } catch (err) {
    showError(String(err));
    return;
  }
  const ops = data.ops;
  const byNs = data.time_unit === 'ns';
  const t0 = data.stats.start;
  const tEnd = Math.max(data.stats.end, t0 + 1);

  // ---- Formatting -------------------------------------------------------------------------

  function duration(d) {
    if (!byNs) return d + (d === 1 ? ' event' : ' events');
    const a = Math.abs(d);
    // Trailing zeros after a decimal point only: 100 stays 100.
    const trim = (text) => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);
    if (a >= 1e9) return trim((d / 1e9).toFixed(a >= 1e11 ? 0 : 3)) + ' s';
    if (a >= 1e6) return trim((d / 1e6).toFixed(a >= 1e8 ? 0 : 2)) + ' ms';
    if (a >= 1e3) return trim((d / 1e3).toFixed(1)) + ' µs';
    return d + ' ns';
  }
  function at(t) { return byNs ? duration(t - t0) : 'event ' + t; }
  function keyName(k) { return k === '' ? 'the register' : 'key ' + k; }
  function lines(row) {
    return row[C.END_LINE] === null ? 'line ' + row[C.LINE] + ', pending' : 'lines ' + row[C.LINE] + '–' + row[C.END_LINE];
  }
  // "write 2", "read → 1", "cas [1,2]": the argument unless null, the result where it says more.
  function label(row) {
    const f = data.functions[row[C.F]];
    const v = row[C.VALUE], r = row[C.RESULT];
    let s = f + (v !== 'null' ? ' ' + v : '');
    if (r !== null && r !== 'null' && r !== v) s += ' → ' + r;
    return s;
  }
  function describe(row) {
    return 'process ' + row[C.PROCESS] + ': ' + label(row) + ' (' + TYPES[row[C.TYPE]] + ', ' + lines(row) + ')';
  }
  function tooltipText(row) {
    const key = data.keys[row[C.KEY]];
    return describe(row) + '\n' + (key === '' ? '' : 'key: ' + key + '\n') +
      'invoked at ' + at(row[C.START]) + (row[C.END] === null ? ', never completed'
        : ', completed at ' + at(row[C.END]) + ' (' + duration(row[C.END] - row[C.START]) + ')') +
      (row[C.NODE] ? '\nnode: ' + row[C.NODE] : '') + (row[C.ERROR] ? '\nerror: ' + row[C.ERROR] : '');
  }
  function swatch(colour, text) {
    return el('span', null, el('span', { className: 'swatch', style: 'background:' + colour }), text);
  }
  function fColour(f) { return F_COLOURS[f % F_COLOURS.length]; }

  // ---- Banner, results, configuration ------------------------------------------------------

  function renderBanner() {
    $('banner').classList.add(data.verdict);
    $('verdict').textContent = data.verdict.charAt(0).toUpperCase() + data.verdict.slice(1);
    $('title').textContent = data.title;
    $('summary-line').textContent = data.results.map((r) => r.checker + ': ' + r.summary).join('; ');
    document.title = data.verdict + ': ' + data.title + ' — faultline';
  }

  function anomalyCounts(result) {
    const counts = {};
    for (const a of result.anomalies) counts[a.kind] = (counts[a.kind] || 0) + 1;
    // Checkers list at most 100 anomalies of a kind; their details hold exact counts.
    for (const [field, n] of Object.entries(result.details || {})) {
      const m = /^(.*)_count$/.exec(field);
      if (m && typeof n === 'number' && n > 0 && /lost|unexpected|out_of_bounds|wrong_total|negative|missing|account/.test(m[1]))
        counts[m[1].replace(/_/g, '-')] = n;
    }
    const parts = Object.entries(counts).map(([k, n]) => n + ' ' + k);
    return parts.length ? parts.join(', ') : 'none';
  }

  function renderResults() {
    const table = $('results');
    table.appendChild(el('tr', null, el('th', null, 'Checker'), el('th', null, 'Verdict'),
      el('th', null, 'Summary'), el('th', null, 'Anomalies')));
    for (const r of data.results) {
      table.appendChild(el('tr', null, el('td', null, r.checker),
        el('td', { className: 'verdict-' + r.verdict }, r.verdict), el('td', null, r.summary),
        el('td', null, anomalyCounts(r))));
    }
    const s = data.stats;
    const rows = [
      ['Operations', s.ops + ' (' + s.ok + ' ok, ' + s.fail + ' fail, ' + s.info + ' info, ' + s.pending + ' pending)'],
      ['Events', String(s.events)],
      ['Processes', s.processes.length + (s.processes.length <= 32 ? ' (' + s.processes.join(', ') + ')' : '')],
      ['Keys', String(s.keys)],
      ['Duration', byNs ? duration(s.end - s.start) : 'no times in the history: positions are event numbers'],
      ['Fault intervals', String(data.nemesis.length)],
    ];
    for (const [k, v] of rows) $('stats').appendChild(el('tr', null, el('th', null, k), el('td', null, v)));
  }

  function renderConfig() {
    const table = $('config');
    for (const [k, v] of Object.entries(data.config || {})) {
      table.appendChild(el('tr', null, el('th', null, k),
        el('td', { className: 'value' }, typeof v === 'string' ? v : JSON.stringify(v))));
    }
  }

  // ---- Linearizability: the failing window ----------------------------------------------

  function opTable(rowIndices, classesOf) {
    const table = el('table', { className: 'grid compact' });
    table.appendChild(el('tr', null, ...['process', 'op', 'outcome', 'lines', 'invoked', 'completed'].map((h) => el('th', null, h))));
    for (const i of rowIndices) {
      const row = ops[i];
      table.appendChild(el('tr', { className: classesOf(i) }, el('td', null, String(row[C.PROCESS])),
        el('td', { className: 'value' }, label(row)), el('td', null, TYPES[row[C.TYPE]]),
        el('td', null, lines(row)), el('td', null, at(row[C.START])),
        el('td', null, row[C.END] === null ? '—' : at(row[C.END]))));
    }
    return table;
  }

  function miniTimeline(lin, classesOf) {
    const win = lin.window;
    let lo = Infinity, hi = -Infinity;
    for (const i of win) {
      lo = Math.min(lo, ops[i][C.START]);
      hi = Math.max(hi, ops[i][C.END] === null ? data.stats.end : ops[i][C.END]);
    }
    const pad = Math.max(1, (hi - lo) * 0.03);
    lo -= pad; hi += pad;
    const pct = (t) => (100 * (t - lo) / (hi - lo)).toFixed(3) + '%';
    const { labels, rowOf } = plots.assignRows(win, 12, null);
    const box = el('div', { className: 'mini' });
    labels.forEach((text, r) => {
      const track = el('div', { className: 'mini-track' });
      for (const n of data.nemesis) {
        if (n.end < lo || n.start > hi) continue;
        const s = Math.max(n.start, lo), e = Math.min(n.end, hi);
        track.appendChild(el('div', { className: 'mini-fault', title: n.name, style: 'left:' + pct(s) + ';width:' + pct(lo + e - s) }));
      }
      for (const i of win) {
        const row = ops[i];
        if (rowOf.get(row[C.PROCESS]) !== r) continue;
        const end = row[C.END] === null ? data.stats.end : row[C.END];
        const bar = el('div', { className: 'bar ' + TYPES[row[C.TYPE]] + ' ' + classesOf(i), title: tooltipText(row) }, label(row));
        bar.style.left = pct(row[C.START]);
        bar.style.width = pct(lo + end - row[C.START]);
        track.appendChild(bar);
      }
      box.appendChild(el('div', { className: 'mini-row' }, el('div', { className: 'mini-label' }, text), track));
    });
    return box;
  }

  function renderLinearizability() {
    if (!data.linearizability.length) return;
    $('lin-section').hidden = false;
    const root = $('linearizability');
    for (const lin of data.linearizability) {
      const core = new Set(lin.core), prefix = new Set(lin.prefix_tail);
      const classesOf = (i) => [i === lin.op ? 'stuck' : '', core.has(i) ? 'core' : '', prefix.has(i) ? 'prefix' : ''].join(' ').trim();
      const stuck = ops[lin.op];
      const states = lin.states_before;
      const card = el('div', { className: 'card' });
      card.appendChild(el('h3', null, keyName(lin.key) + ' is not linearizable'));
      card.appendChild(el('p', { className: 'explain' },
        'No order of this key\'s operations that respects real time gets past the first ' + lin.prefix_length +
        ' op' + (lin.prefix_length === 1 ? '' : 's') + ' (listed below): then ', el('strong', null, describe(stuck)),
        ' cannot take effect. Just before it the ' + (lin.key === '' ? 'register' : 'key') + ' can only be in ' +
        (states.length === 1 ? 'the state ' + states[0] + ', and in that state' : 'one of the states ' + states.join(', ') +
          ', and in none of them') + ' can it return what it did.'));
      if (lin.core.length) {
        card.appendChild(el('p', { className: 'explain' }, 'The ' + lin.core.length + ' ops outlined in black ' +
          'cannot all have happened as recorded' + (lin.core_any_initial ? ', whatever the initial value' : '') +
          ', even if none of the key\'s other ops happened' + (lin.core_minimal ? ' (without any one of them, the rest could).' : '.')));
      }
      card.appendChild(el('div', { className: 'legend' }, swatch('#b3322a', 'cannot be linearized'),
        swatch('#1d2330', 'minimal core'), swatch('#2b5fb4', 'longest linearizable prefix (its end)'),
        swatch(COLOURS.ok, 'ok'), swatch(COLOURS.fail, 'fail'), swatch(COLOURS.info, 'info'), swatch(FAULT, 'fault')));
      card.appendChild(miniTimeline(lin, classesOf));
      if (lin.window_truncated) card.appendChild(el('p', { className: 'note' }, 'The window holds more ops of this key than are drawn here: these are the ' + lin.window.length + ' invoked nearest the op that cannot be linearized.'));
      card.appendChild(el('h3', null, 'States possible just before it'));
      card.appendChild(el('ul', { className: 'states' }, ...states.map((s) => el('li', null, s))));
      card.appendChild(el('h3', null, 'A longest linearizable prefix (' + lin.prefix_length + ' ops; the last ' + lin.prefix_tail.length + ' in order)'));
      const ol = el('ol', { className: 'prefix', start: Math.max(1, lin.prefix_length - lin.prefix_tail.length + 1) },
        ...lin.prefix_tail.map((i) => el('li', null, describe(ops[i]))));
      ol.appendChild(el('li', { className: 'stuck' }, '✗ then ' + describe(stuck)));
      card.appendChild(ol);
      card.appendChild(el('h3', null, 'The ops in this window'));
      card.appendChild(opTable(lin.window, classesOf));
      const show = el('button', { type: 'button' }, 'Show this window on the timeline');
      show.addEventListener('click', () => { plots.timeline.zoomTo(lin.window_start, lin.window_end); $('timeline').scrollIntoView(); });
      card.appendChild(show);
      root.appendChild(card);
    }
    const explanation = data.results.map((r) => (r.details || {}).explanation).filter((e) => typeof e === 'string' && e);
    if (explanation.length) {
      root.appendChild(el('details', null, el('summary', null, 'The checker\'s explanation, as printed by faultline check'),
        el('pre', { className: 'mono' }, explanation.join('\n'))));
    }
  }

  // ---- Other anomalies (set, counter, bank, transactions) --------------------------------

  function isOp(v) { return v && typeof v === 'object' && !Array.isArray(v) && 'process' in v && 'line' in v && 'f' in v; }
  function evidenceOp(v) {
    let s = 'process ' + v.process + ': ' + v.f;
    if ('value' in v && v.value !== null) s += ' ' + JSON.stringify(v.value);
    if ('result' in v && v.result !== null && JSON.stringify(v.result) !== JSON.stringify(v.value)) s += ' → ' + JSON.stringify(v.result);
    s += ' (' + v.type + ', ' + (v.completion_line === null ? 'line ' + v.line : 'lines ' + v.line + '–' + v.completion_line) + ')';
    return s;
  }

  // A cycle of transactions (list-append, rw-register: evidence.cycle, each
  // edge {from, to, kind, key, why}) as a small graph: T1, T2, ... on a
  // circle, every edge an arrow labelled with its kind and key, its reason
  // in its tooltip and in the list beside the graph.
  function cycleGraph(cycle) {
    const NS = 'http://www.w3.org/2000/svg';
    function svg(tag, attrs, text) {
      const e = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      if (text !== undefined) e.textContent = text;
      return e;
    }
    const names = cycle.map((e) => e.from);
    const size = 240, c = size / 2, ring = names.length === 2 ? 60 : 80, node = 15;
    const at = {};
    names.forEach((name, i) => {
      const a = -Math.PI / 2 + 2 * Math.PI * i / names.length;
      at[name] = [c + ring * Math.cos(a), c + ring * Math.sin(a)];
    });
    const root = svg('svg', { width: size, height: size, viewBox: '0 0 ' + size + ' ' + size, class: 'cycle-graph', role: 'img' });
    const marker = svg('marker', { id: 'cycle-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' });
    marker.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#1d2330' }));
    root.appendChild(svg('defs', {})).appendChild(marker);
    for (const e of cycle) {
      const [x1, y1] = at[e.from], [x2, y2] = at[e.to];
      // Bent to its left, so that T1 -> T2 and T2 -> T1 do not overlap.
      const len = Math.hypot(x2 - x1, y2 - y1) || 1;
      const qx = (x1 + x2) / 2 + (y2 - y1) / len * 28, qy = (y1 + y2) / 2 - (x2 - x1) / len * 28;
      const toward = (x, y) => { const d = Math.hypot(qx - x, qy - y) || 1; return [x + (qx - x) / d * node, y + (qy - y) / d * node]; };
      const [sx, sy] = toward(x1, y1), [ex, ey] = toward(x2, y2);
      const edge = svg('path', { d: 'M' + sx + ',' + sy + ' Q' + qx + ',' + qy + ' ' + ex + ',' + ey, class: 'cycle-edge ' + e.kind, 'marker-end': 'url(#cycle-arrow)' });
      edge.appendChild(svg('title', {}, e.from + ' < ' + e.to + ': ' + e.why));
      root.appendChild(edge);
      const label = svg('text', { x: (sx + ex) / 4 + qx / 2, y: (sy + ey) / 4 + qy / 2, class: 'cycle-label', 'text-anchor': 'middle' }, e.kind + (e.key !== '' ? ' ' + e.key : ''));
      root.appendChild(label);
    }
    for (const name of names) {
      root.appendChild(svg('circle', { cx: at[name][0], cy: at[name][1], r: node, class: 'cycle-node' }));
      root.appendChild(svg('text', { x: at[name][0], y: at[name][1] + 4, 'text-anchor': 'middle', class: 'cycle-name' }, name));
    }
    const reasons = el('ol', { className: 'cycle-reasons' },
      ...cycle.map((e) => el('li', null, e.from + ' < ' + e.to + ' (' + e.kind + '): ' + e.why)));
    return el('div', { className: 'cycle' }, root, reasons);
  }

  function renderAnomalies() {
    const MAX = 200;
    const root = $('anomalies');
    let shown = 0, total = 0;
    for (const r of data.results) {
      for (const a of r.anomalies) {
        if (a.kind === 'nonlinearizable') continue;
        total++;
        if (shown >= MAX) continue;
        shown++;
        const card = el('div', { className: 'card' }, el('h3', null, a.kind + (a.key !== '' ? ' — key ' + a.key : '')),
          el('p', null, a.description));
        const cycle = a.evidence && Array.isArray(a.evidence.cycle) ? a.evidence.cycle : null;
        if (cycle) card.appendChild(cycleGraph(cycle));
        const table = el('table', { className: 'grid compact' });
        for (const [field, v] of Object.entries(a.evidence || {})) {
          if (cycle && field === 'cycle') continue;
          let cell;
          if (isOp(v)) cell = el('td', { className: 'value' }, evidenceOp(v));
          else if (Array.isArray(v) && v.length && v.every(isOp)) cell = el('td', { className: 'value' }, ...v.map((o) => el('div', null, evidenceOp(o))));
          else cell = el('td', { className: 'value' }, JSON.stringify(v));
          table.appendChild(el('tr', null, el('th', null, field), cell));
        }
        card.appendChild(table);
        root.appendChild(card);
      }
    }
    if (!total) return;
    $('anomalies-section').hidden = false;
    if (total > shown) root.appendChild(el('p', { className: 'note' }, 'Showing ' + shown + ' of ' + total + ' anomalies; faultline check --json lists them all.'));
  }

  function renderSamplingNote() {
    const s = data.sampling;
    $('sampling-note').prepend(s.downsampled
      ? 'Downsampled: drawing ' + s.drawn_ops + ' of ' + s.total_ops + ' operations (every op an anomaly names or in a failing window, and an even sample of the rest; at most ' + s.max_drawn_ops + '). The latency plot shows the same ops; throughput counts all of them.'
      : 'All ' + s.total_ops + ' operations are drawn.');
    $('timeline-legend').append(swatch(COLOURS.ok, 'ok'), swatch(COLOURS.fail, 'fail'), swatch(COLOURS.info, 'info'),
      swatch(COLOURS.pending, 'pending'), swatch('#1d2330', 'outlined: named by an anomaly'), swatch(FAULT, 'fault interval'),
      swatch('#c0621a', 'nemesis event'));
  }

  let plots = null;  // report_plots.js
  try {
    plots = faultlinePlots({ C, FLAG_ANOMALY, TYPES, COLOURS, FAULT, LOG_COLOURS, data, ops, byNs, t0, tEnd,
      $, el, swatch, at, duration, tooltipText, fColour });
    renderBanner();
    renderResults();
    renderConfig();
    if (data.run) {
      const run = faultlineRunPanels({ data, $, el, swatch, at, byNs, LOG_COLOURS });
      run.renderRun();
      run.renderLogLines(plots.timeline);
    }
    renderLinearizability();
    renderAnomalies();
    renderSamplingNote();
    const drawAll = () => { plots.timeline.draw(); plots.drawLatency(); plots.drawThroughput(); };
    drawAll();
    $('latency-colour').addEventListener('change', plots.drawLatency);
    let resizeTimer = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(drawAll, 100);
    });
    document.body.dataset.rendered = 'true';
    // Milliseconds from navigation until drawn, for measuring large reports.
    document.body.dataset.renderMs = String(Math.round(performance.now()));
  } catch (err) {
    showError(String(err && err.stack || err));
  }
})();
