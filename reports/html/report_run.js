// The parts of a report that only a test run has (reports/html/run_report.h):
// the run's settings, its files and nodes with links to their logs, and the
// nodes' important log lines. embed_assets.cmake puts this file between
// report_plots.js and report.js; report.js calls faultlineRunPanels. Text from
// the run is set as text; a link's href is used only when it is relative.
function faultlineRunPanels(env) {
  'use strict';
  const { data, $, el, swatch, at, byNs, LOG_COLOURS } = env;
  const LOG = { TIME: 0, NODE: 1, KIND: 2, LEVEL: 3, TEXT: 4, FILE: 5, LINE: 6 };
  const MAX_ROWS = 1000;

  function link(file) {
    const safe = typeof file.href === 'string' && (file.href.startsWith('./') || file.href.startsWith('../'));
    return safe ? el('a', { href: file.href }, file.name) : el('span', null, file.name);
  }
  function joined(nodes) {
    const span = el('span');
    nodes.forEach((n, i) => { if (i) span.appendChild(document.createTextNode(' · ')); span.appendChild(n); });
    return span;
  }

  function renderRun() {
    const run = data.run;
    $('run-section').hidden = false;
    const ops = run.ops || {};
    const opsText = ['ok', 'fail', 'info', 'pending'].filter((k) => k in ops).map((k) => ops[k] + ' ' + k).join(', ');
    const rows = [['Test', run.name], ['Run', run.run_id > 0 ? String(run.run_id) : ''], ['Started', run.started_at],
      ['Duration', run.duration], ['Status', run.status], ['Target', run.target],
      ['Workload', run.workload], ['Nemesis', run.nemesis], ['Seed', run.seed === null ? '' : String(run.seed)],
      ['Operations', opsText], ['Store directory', run.store_dir]];
    for (const [k, v] of rows) {
      if (v !== '' && v !== undefined && v !== null) $('run').appendChild(el('tr', null, el('th', null, k), el('td', { className: 'value' }, v)));
    }
    if (data.files.length) $('run-files').append('Files: ', joined(data.files.map(link)));
    const nodes = $('nodes');
    if (!data.nodes.length) {
      nodes.replaceWith(el('p', { className: 'note' }, 'The run directory has no nodes/ logs.'));
      return;
    }
    const counts = data.nodes.map(() => ({}));
    for (const l of data.log_lines) counts[l[LOG.NODE]][l[LOG.KIND]] = (counts[l[LOG.NODE]][l[LOG.KIND]] || 0) + 1;
    nodes.appendChild(el('tr', null, el('th', null, 'Node'), el('th', null, 'Logs'), el('th', null, 'Server events')));
    data.nodes.forEach((n, i) => {
      const summary = Object.entries(counts[i]).map(([k, v]) => v + ' ' + k).join(', ') || 'none';
      nodes.appendChild(el('tr', { className: 'node' }, el('td', null, n.name), el('td', null, joined(n.logs.map(link))), el('td', null, summary)));
    });
  }

  function renderLogLines(timeline) {
    const lines = data.log_lines;
    if (!data.nodes.length) return;
    $('log-section').hidden = false;
    const s = data.log_sampling;
    $('log-note').textContent = (s.total === 0 ? 'No elections, leader changes, restarts, errors or warnings in the nodes\' logs.'
      : s.shown < s.total ? 'Showing ' + s.shown + ' of ' + s.total + ' important lines (warnings dropped first).'
        : s.total + ' important lines from the nodes\' logs.') +
      (lines.length > MAX_ROWS ? ' The table lists the first ' + MAX_ROWS + '; the timeline marks them all.' : '') +
      (byNs ? ' Times are on the timeline\'s clock (from the history\'s first event; negative: before it); click a line to see it there.' : '');
    for (const [kind, colour] of Object.entries(LOG_COLOURS)) $('log-legend').appendChild(swatch(colour, kind));
    const table = $('log-lines');
    table.appendChild(el('tr', null, ...['time', 'node', 'event', 'level', 'line', 'message'].map((h) => el('th', null, h))));
    for (const l of lines.slice(0, MAX_ROWS)) {
      const node = data.nodes[l[LOG.NODE]];
      const file = node.logs[l[LOG.FILE]];
      const row = el('tr', { className: 'log ' + l[LOG.KIND] }, el('td', null, byNs ? at(l[LOG.TIME]) : ''),
        el('td', null, node.name), el('td', null, swatch(LOG_COLOURS[l[LOG.KIND]], l[LOG.KIND])), el('td', null, l[LOG.LEVEL]),
        el('td', null, file.name + ':' + l[LOG.LINE]), el('td', { className: 'value' }, l[LOG.TEXT]));
      if (byNs) row.addEventListener('click', () => { timeline.zoomTo(l[LOG.TIME] - 1e9, l[LOG.TIME] + 1e9); $('timeline').scrollIntoView(); });
      table.appendChild(row);
    }
  }

  return { renderRun, renderLogLines };
}
