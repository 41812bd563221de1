// Canvas drawing for the report: the timeline, the latency and throughput
// plots, and the packing of many processes into few rows. embed_assets.cmake
// puts this file before report.js in the page's one script; report.js calls
// faultlinePlots with what they share. History text is drawn as canvas text or
// set with textContent, never as markup.
function faultlinePlots(env) {
  'use strict';
  const { C, FLAG_ANOMALY, TYPES, COLOURS, FAULT, LOG_COLOURS, data, ops, byNs, t0, tEnd } = env;
  const { $, el, swatch, at, duration, tooltipText, fColour } = env;

  // A canvas sized to its box at the device's pixel ratio; drawing is in CSS pixels.
  function setupCanvas(canvas, height) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.parentElement.clientWidth || 1000;
    canvas.style.height = height + 'px';
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { ctx, width, height };
  }

  function timeTicks(lo, hi, n) {
    const span = hi - lo, raw = span / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const out = [];
    for (let t = Math.ceil((lo - t0) / step) * step + t0; t <= hi; t += step) out.push(t);
    return out;
  }

  function drawTimeAxis(ctx, x0, x1, y, lo, hi, gridTo) {
    ctx.fillStyle = '#555e6b';
    ctx.strokeStyle = '#e6e8ec';
    ctx.font = '11px sans-serif';
    ctx.textAlign = 'center';
    for (const t of timeTicks(lo, hi, Math.max(2, Math.floor((x1 - x0) / 110)))) {
      const x = x0 + (t - lo) / (hi - lo) * (x1 - x0);
      ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x, gridTo); ctx.stroke();
      ctx.fillText(at(Math.round(t)), x, y - 4);
    }
  }

  function shadeFaults(ctx, x0, x1, yTop, yBottom, lo, hi) {
    ctx.fillStyle = FAULT;
    for (const n of data.nemesis) {
      if (n.end < lo || n.start > hi) continue;
      const a = x0 + (Math.max(n.start, lo) - lo) / (hi - lo) * (x1 - x0);
      const b = x0 + (Math.min(n.end, hi) - lo) / (hi - lo) * (x1 - x0);
      ctx.fillRect(a, yTop, Math.max(2, b - a), yBottom - yTop);
    }
  }

  const tooltip = $('tooltip');
  function showTip(evt, text) {
    tooltip.textContent = text;
    tooltip.hidden = false;
    tooltip.style.left = Math.min(evt.clientX + 14, window.innerWidth - 580) + 'px';
    tooltip.style.top = (evt.clientY + 14) + 'px';
  }
  function hideTip() { tooltip.hidden = true; }

  // ---- Timeline ------------------------------------------------------------------------------

  // One row per process; but histories where a crashed process is replaced by a
  // new one (Jepsen's numbering) have thousands, so past maxRows processes a
  // process shares the first row whose processes all finished before it began.
  function assignRows(indices, maxRows, noteTo) {
    const MAX_SHARED_ROWS = 200;
    const first = new Map(), last = new Map();
    for (const i of indices) {
      const row = ops[i];
      const p = row[C.PROCESS];
      if (!first.has(p)) first.set(p, row[C.START]);
      last.set(p, Math.max(last.get(p) ?? -Infinity, row[C.END] === null ? data.stats.end : row[C.END]));
    }
    const processes = [...first.keys()].sort((a, b) => a - b);
    const rowOf = new Map();
    if (processes.length <= maxRows) {
      processes.forEach((p, i) => rowOf.set(p, i));
      return { labels: processes.map((p) => 'process ' + p), rowOf };
    }
    const members = [], ends = [];
    for (const p of [...processes].sort((a, b) => first.get(a) - first.get(b) || a - b)) {
      let r = ends.findIndex((end) => end < first.get(p));
      if (r < 0 && ends.length < MAX_SHARED_ROWS) { r = ends.length; ends.push(-Infinity); members.push([]); }
      if (r < 0) r = ends.indexOf(Math.min(...ends));  // rows full: overlap the one that ends first
      ends[r] = Math.max(ends[r], last.get(p));
      members[r].push(p);
      rowOf.set(p, r);
    }
    if (noteTo) noteTo.append(' ' + processes.length + ' processes share ' + members.length +
      ' rows: a process starts in the first row whose processes had all finished; hover a bar for its process.');
    return { labels: members.map((ps) => (ps.length === 1 ? 'process ' : 'p ') + ps.slice(0, 3).join(',') + (ps.length > 3 ? '…' : '')), rowOf };
  }

  const timeline = (function () {
    const canvas = $('timeline');
    const ROW = 22, AXIS = 22, LEFT = 90, RIGHT = 10;
    const { labels, rowOf } = assignRows(ops.keys(), 48, $('sampling-note'));
    const byRow = labels.map(() => []);
    for (let i = 0; i < ops.length; i++) byRow[rowOf.get(ops[i][C.PROCESS])].push(i);
    const hasNemesis = data.nemesis_events.length > 0;
    // A run's report has a row per node for its log lines, between the nemesis
    // and the processes; they need times to be placed.
    const nodes = byNs && data.nodes ? data.nodes : [];
    const logsOf = nodes.map(() => []);
    for (const l of data.log_lines || []) if (byNs) logsOf[l[1]].push(l);
    const firstNodeRow = hasNemesis ? 1 : 0;
    const firstOpRow = firstNodeRow + nodes.length;
    const rows = labels.length + firstOpRow;
    const view = { lo: t0, hi: tEnd };
    let geo = null;

    function xOf(t) { return LEFT + (t - view.lo) / (view.hi - view.lo) * (geo.width - LEFT - RIGHT); }
    function tOf(x) { return view.lo + (x - LEFT) / (geo.width - LEFT - RIGHT) * (view.hi - view.lo); }

    function draw() {
      geo = setupCanvas(canvas, AXIS + rows * ROW + 4);
      const ctx = geo.ctx;
      ctx.clearRect(0, 0, geo.width, geo.height);
      shadeFaults(ctx, LEFT, geo.width - RIGHT, AXIS, geo.height, view.lo, view.hi);
      drawTimeAxis(ctx, LEFT, geo.width - RIGHT, AXIS, view.lo, view.hi, geo.height);
      ctx.textAlign = 'left';
      ctx.fillStyle = '#555e6b';
      ctx.font = '12px sans-serif';
      if (hasNemesis) ctx.fillText('nemesis', 6, AXIS + 15);
      nodes.forEach((n, r) => ctx.fillText('node ' + n.name, 6, AXIS + (firstNodeRow + r) * ROW + 15, LEFT - 10));
      labels.forEach((text, r) => ctx.fillText(text, 6, AXIS + (r + firstOpRow) * ROW + 15, LEFT - 10));
      ctx.save();
      ctx.beginPath(); ctx.rect(LEFT, AXIS, geo.width - LEFT - RIGHT, geo.height - AXIS); ctx.clip();
      if (hasNemesis) {
        ctx.fillStyle = '#c0621a';
        for (const e of data.nemesis_events) {
          if (e[0] < view.lo || e[0] > view.hi) continue;
          ctx.fillRect(xOf(e[0]) - 1, AXIS + 4, 3, ROW - 8);
        }
      }
      logsOf.forEach((lines, r) => {
        for (const l of lines) {
          if (l[0] < view.lo || l[0] > view.hi) continue;
          ctx.fillStyle = LOG_COLOURS[l[2]];
          ctx.fillRect(xOf(l[0]) - 1, AXIS + (firstNodeRow + r) * ROW + 4, 3, ROW - 8);
        }
      });
      const highlighted = [];
      for (let r = 0; r < byRow.length; r++) {
        const y = AXIS + (r + firstOpRow) * ROW + 4;
        for (const i of byRow[r]) {
          const row = ops[i];
          const end = row[C.END] === null ? data.stats.end : row[C.END];
          if (end < view.lo || row[C.START] > view.hi) continue;
          const x = xOf(row[C.START]), w = Math.max(1, xOf(end) - x);
          ctx.fillStyle = COLOURS[TYPES[row[C.TYPE]]];
          ctx.fillRect(x, y, w, ROW - 8);
          if (row[C.FLAGS] & FLAG_ANOMALY) highlighted.push([x, y, w]);
        }
      }
      ctx.strokeStyle = '#1d2330';
      ctx.lineWidth = 2;
      for (const [x, y, w] of highlighted) ctx.strokeRect(x - 1, y - 1, w + 2, ROW - 6);
      ctx.restore();
    }

    function hit(evt) {
      const rect = canvas.getBoundingClientRect();
      const x = evt.clientX - rect.left, y = evt.clientY - rect.top;
      const r = Math.floor((y - AXIS) / ROW);
      if (x < LEFT || r < 0 || r >= rows) return null;
      const t = tOf(x), slack = (view.hi - view.lo) / (geo.width - LEFT - RIGHT) * 2;
      if (hasNemesis && r === 0) {
        for (const e of data.nemesis_events) {
          if (Math.abs(e[0] - t) <= slack * 2) return 'nemesis: ' + e[1] + ' ' + e[3] + ' (' + e[2] + ', line ' + e[4] + ') at ' + at(e[0]);
        }
        const n = data.nemesis.find((iv) => iv.start <= t && t <= iv.end);
        return n ? 'fault ' + n.name + ': ' + at(n.start) + ' to ' + (n.open ? 'the end' : at(n.end)) : null;
      }
      if (r < firstOpRow) {
        const near = logsOf[r - firstNodeRow].filter((l) => Math.abs(l[0] - t) <= slack * 2);
        return near.length ? near.slice(0, 5).map((l) => 'node ' + nodes[l[1]].name + ' ' + l[2] + ' at ' + at(l[0]) + ':\n' + l[4]).join('\n') : null;
      }
      let best = null;
      for (const i of byRow[r - firstOpRow]) {
        const row = ops[i];
        const end = row[C.END] === null ? data.stats.end : row[C.END];
        if (row[C.START] - slack <= t && t <= end + slack) best = row;
      }
      return best ? tooltipText(best) : null;
    }

    function zoomTo(lo, hi) {
      const pad = Math.max(1, (hi - lo) * 0.1);
      view.lo = Math.max(t0 - pad, lo - pad);
      view.hi = hi + pad;
      draw();
    }

    canvas.addEventListener('wheel', (evt) => {
      evt.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const t = tOf(evt.clientX - rect.left);
      const k = evt.deltaY > 0 ? 1.25 : 0.8;
      const span = Math.max(4, (view.hi - view.lo) * k);
      const frac = (t - view.lo) / (view.hi - view.lo);
      view.lo = t - frac * span;
      view.hi = view.lo + span;
      draw();
    }, { passive: false });
    let drag = null;
    canvas.addEventListener('mousedown', (evt) => { drag = { x: evt.clientX, lo: view.lo, hi: view.hi }; });
    window.addEventListener('mouseup', () => { drag = null; });
    canvas.addEventListener('mousemove', (evt) => {
      if (drag) {
        const dt = (evt.clientX - drag.x) / (geo.width - LEFT - RIGHT) * (drag.hi - drag.lo);
        view.lo = drag.lo - dt; view.hi = drag.hi - dt;
        draw();
        hideTip();
        return;
      }
      const text = hit(evt);
      if (text) showTip(evt, text); else hideTip();
    });
    canvas.addEventListener('mouseleave', hideTip);
    canvas.addEventListener('dblclick', () => zoomTo(t0, tEnd));
    $('timeline-reset').addEventListener('click', () => { view.lo = t0; view.hi = tEnd; draw(); });
    return { draw, zoomTo };
  })();

  // ---- Latency and throughput ------------------------------------------------------------

  function drawLatency() {
    const canvas = $('latency');
    const legend = $('latency-legend');
    legend.textContent = '';
    if (!byNs) {
      canvas.parentElement.replaceWith(el('p', { className: 'note' }, 'The history has no times: no latencies to plot.'));
      return;
    }
    const byF = $('latency-colour').value === 'f';
    const LEFT = 70, RIGHT = 10, TOP = 22, BOTTOM = 10;
    const g = setupCanvas(canvas, 300);
    const ctx = g.ctx;
    let minL = Infinity, maxL = 1;
    for (const row of ops) {
      if (row[C.END] === null) continue;
      const l = Math.max(1, row[C.END] - row[C.START]);
      minL = Math.min(minL, l); maxL = Math.max(maxL, l);
    }
    if (minL === Infinity) minL = 1;
    const lg0 = Math.floor(Math.log10(minL)), lg1 = Math.max(lg0 + 1, Math.ceil(Math.log10(maxL)));
    const yOf = (l) => TOP + (1 - (Math.log10(Math.max(1, l)) - lg0) / (lg1 - lg0)) * (g.height - TOP - BOTTOM);
    const xOf = (t) => LEFT + (t - t0) / (tEnd - t0) * (g.width - LEFT - RIGHT);
    shadeFaults(ctx, LEFT, g.width - RIGHT, TOP, g.height - BOTTOM, t0, tEnd);
    drawTimeAxis(ctx, LEFT, g.width - RIGHT, TOP, t0, tEnd, g.height - BOTTOM);
    ctx.textAlign = 'right';
    for (let e = lg0; e <= lg1; e++) {
      const y = yOf(Math.pow(10, e));
      ctx.strokeStyle = '#e6e8ec'; ctx.beginPath(); ctx.moveTo(LEFT, y); ctx.lineTo(g.width - RIGHT, y); ctx.stroke();
      ctx.fillStyle = '#555e6b'; ctx.fillText(duration(Math.pow(10, e)), LEFT - 4, y + 4);
    }
    for (const row of ops) {
      if (row[C.END] === null) continue;
      ctx.fillStyle = byF ? fColour(row[C.F]) : COLOURS[TYPES[row[C.TYPE]]];
      ctx.fillRect(xOf(row[C.START]) - 1, yOf(row[C.END] - row[C.START]) - 1, 2.5, 2.5);
    }
    if (byF) data.functions.forEach((f, i) => legend.appendChild(swatch(fColour(i), f)));
    else ['ok', 'fail', 'info'].forEach((t) => legend.appendChild(swatch(COLOURS[t], t)));
    legend.appendChild(swatch(FAULT, 'fault'));
  }

  function drawThroughput() {
    const canvas = $('throughput');
    const tp = data.throughput;
    const LEFT = 70, RIGHT = 10, TOP = 22, BOTTOM = 10;
    const g = setupCanvas(canvas, 220);
    const ctx = g.ctx;
    const perSecond = byNs ? 1e9 / tp.width : 1;
    let max = 1;
    for (const t of ['ok', 'fail', 'info']) for (const n of tp[t]) max = Math.max(max, n * perSecond);
    const xOf = (t) => LEFT + (t - t0) / (tEnd - t0) * (g.width - LEFT - RIGHT);
    const yOf = (v) => g.height - BOTTOM - v / max * (g.height - TOP - BOTTOM);
    shadeFaults(ctx, LEFT, g.width - RIGHT, TOP, g.height - BOTTOM, t0, tEnd);
    drawTimeAxis(ctx, LEFT, g.width - RIGHT, TOP, t0, tEnd, g.height - BOTTOM);
    ctx.textAlign = 'right';
    ctx.fillStyle = '#555e6b';
    const rate = (v) => (v >= 10 ? String(Math.round(v)) : v.toFixed(1)) + (byNs ? '/s' : '');
    for (const v of [0, max / 2, max]) ctx.fillText(rate(v), LEFT - 4, yOf(v) + 4);
    ctx.lineWidth = 1.5;
    for (const t of ['ok', 'fail', 'info']) {
      ctx.strokeStyle = COLOURS[t];
      ctx.beginPath();
      tp[t].forEach((n, i) => {
        const x = xOf(tp.start + (i + 0.5) * tp.width), y = yOf(n * perSecond);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
    const legend = $('throughput-legend');
    legend.textContent = '';
    ['ok', 'fail', 'info'].forEach((t) => legend.appendChild(swatch(COLOURS[t], t)));
    legend.appendChild(swatch(FAULT, 'fault'));
  }

  return { assignRows, timeline, drawLatency, drawThroughput };
}
