// The lesson page's script: draws the lesson's data (the JSON in
// #lesson-data) and steps through its events; on the served page, the
// what-if panel (#whatif-data) posts runs to /api/run and redraws.
(function () {
  'use strict';
  const L = JSON.parse(document.getElementById('lesson-data').textContent);
  const events = L.events;
  const NS = 'http://www.w3.org/2000/svg';
  let current = 0;

  // The time axis: each stretch between two changes of state (on any lane)
  // gets the same width, linear within it, so the minutes of stage 1 and the
  // days of stage 2 both show; the ticks give the times.
  const cuts = [L.lanes.from_s, L.lanes.to_s];
  for (const lane of [L.lanes.service, L.lanes.replication, L.lanes.protection]) {
    for (const span of lane) cuts.push(span.from_s, span.to_s);
  }
  cuts.sort((a, b) => a - b);
  const edges = cuts.filter((c, i) => i === 0 || c - cuts[i - 1] > 1);
  const pieces = Math.max(1, edges.length - 1);
  const fraction = (s) => {
    if (s <= edges[0]) return 0;
    if (s >= edges[edges.length - 1]) return 1;
    let i = 0;
    while (i + 1 < edges.length - 1 && s >= edges[i + 1]) i += 1;
    return (i + (s - edges[i]) / (edges[i + 1] - edges[i])) / pieces;
  };
  const X0 = 120;
  const X1 = 985;
  const xOf = (s) => X0 + fraction(s) * (X1 - X0);
  const timeAt = (u) => {
    const at = Math.min(pieces - 1e-9, Math.max(0, u * pieces));
    const i = Math.floor(at);
    return edges[i] + (at - i) * ((edges[i + 1] ?? edges[i]) - edges[i]);
  };

  const COLOURS = {
    'on-premises': '#2e7d32', azure: '#1565c0', down: '#c62828',
    'to-azure': '#1565c0', 'to-on-premises': '#2e7d32',
    'initial-sync-to-azure': '#90caf9', 'initial-sync-to-on-premises': '#a5d6a7',
    none: '#bdbdbd', protected: '#2e7d32', unprotected: '#c62828',
  };
  const WORDS = {
    'on-premises': 'runs on-premises', azure: 'runs in Azure', down: 'DOWN',
    'to-azure': 'replicating to Azure', 'to-on-premises': 'replicating to on-premises',
    'initial-sync-to-azure': 'reprotect: initial sync to Azure',
    'initial-sync-to-on-premises': 'reprotect: initial sync to on-premises',
    none: 'no replication', protected: 'protected', unprotected: 'NOT protected',
  };

  function svg(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function html(name, attrs, text) {
    const e = document.createElement(name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function stateAt(lane, s) {
    for (const span of lane) if (s >= span.from_s && s < span.to_s) return span.state;
    if (!lane.length) return 'none';
    return s < lane[0].from_s ? lane[0].state : lane[lane.length - 1].state;
  }
  function duration(s) {
    const a = Math.abs(s);
    const sign = s < 0 ? '-' : '';
    if (a < 60) return sign + a.toFixed(1) + ' s';
    if (a < 3600) return sign + Math.floor(a / 60) + 'm' + String(Math.round(a % 60)).padStart(2, '0') + 's';
    if (a < 86400) return sign + Math.floor(a / 3600) + 'h' + String(Math.round((a % 3600) / 60)).padStart(2, '0') + 'm';
    return sign + Math.floor(a / 86400) + 'd' + String(Math.round((a % 86400) / 3600)).padStart(2, '0') + 'h';
  }

  // The three lanes, with a cursor at the current time.
  const lanes = document.getElementById('lanes');
  const ROWS = [['service', 'Service'], ['replication', 'Replication'], ['protection', 'Protection']];
  ROWS.forEach(([key, label], row) => {
    const y = 10 + row * 38;
    lanes.appendChild(svg('text', { x: 4, y: y + 20, class: 'lane-label' }, label));
    for (const span of L.lanes[key]) {
      const x = xOf(span.from_s);
      const w = Math.max(1, xOf(span.to_s) - x);
      const r = svg('rect', { x, y, width: w, height: 28, fill: COLOURS[span.state] || '#999' });
      r.appendChild(svg('title', {}, WORDS[span.state] + ' from t0' + (span.from_s < 0 ? '' : '+') + duration(span.from_s)));
      lanes.appendChild(r);
    }
  });
  let lastTick = -1000;
  for (const tick of edges) {
    const x = xOf(tick);
    lanes.appendChild(svg('line', { x1: x, x2: x, y1: 124, y2: 130, stroke: '#444' }));
    if (x - lastTick < 75) continue;
    lastTick = x;
    const label = Math.abs(tick) < 0.5 ? 't0' : 't0' + (tick > 0 ? '+' : '') + duration(tick);
    const anchor = x > X1 - 40 ? 'end' : 'middle';
    lanes.appendChild(svg('text', { x, y: 143, 'text-anchor': anchor, class: 'tick' }, label));
  }
  const cursor = svg('line', { id: 'cursor', y1: 4, y2: 124, stroke: '#000', 'stroke-width': 2 });
  lanes.appendChild(cursor);

  // The diagram: on-premises and Azure, the service, the direction of replication.
  const diagram = document.getElementById('diagram');
  function drawDiagram(s) {
    diagram.replaceChildren();
    const service = stateAt(L.lanes.service, s);
    const replication = stateAt(L.lanes.replication, s);
    const protection = stateAt(L.lanes.protection, s);
    const siteDown = s >= 0 && s < L.site_back_s;
    const box = (x, title, name, active, dead) => {
      diagram.appendChild(svg('rect', { x, y: 20, width: 250, height: 170, rx: 10, class: dead ? 'site dead' : 'site' }));
      diagram.appendChild(svg('text', { x: x + 125, y: 45, 'text-anchor': 'middle', class: 'site-title' }, title));
      diagram.appendChild(svg('text', { x: x + 125, y: 65, 'text-anchor': 'middle', class: 'site-name' }, name));
      if (dead) diagram.appendChild(svg('text', { x: x + 125, y: 170, 'text-anchor': 'middle', class: 'dead-label' }, 'site down'));
      if (active) {
        diagram.appendChild(svg('rect', { x: x + 35, y: 85, width: 180, height: 44, rx: 8, class: 'service' }));
        diagram.appendChild(svg('text', { x: x + 125, y: 113, 'text-anchor': 'middle', class: 'service-label' }, 'service runs here'));
      }
    };
    box(10, 'On-premises', L.primary, service === 'on-premises', siteDown);
    box(500, 'Azure', L.recovery, service === 'azure', false);
    if (service === 'down') {
      diagram.appendChild(svg('text', { x: 380, y: 200, 'text-anchor': 'middle', class: 'down-label' }, 'SERVICE DOWN'));
    }
    const toAzure = replication.endsWith('to-azure');
    const flowing = replication !== 'none';
    const colour = COLOURS[replication];
    if (flowing) {
      const [a, b] = toAzure ? [262, 498] : [498, 262];
      diagram.appendChild(svg('line', { x1: a, x2: b, y1: 110, y2: 110, stroke: colour, 'stroke-width': 6, 'stroke-dasharray': replication.startsWith('initial') ? '10 6' : '' }));
      const head = toAzure ? `${b},110 ${b - 16},100 ${b - 16},120` : `${b},110 ${b + 16},100 ${b + 16},120`;
      diagram.appendChild(svg('polygon', { points: head, fill: colour }));
    } else {
      diagram.appendChild(svg('line', { x1: 262, x2: 498, y1: 110, y2: 110, stroke: '#bbb', 'stroke-width': 2, 'stroke-dasharray': '4 6' }));
    }
    diagram.appendChild(svg('text', { x: 380, y: 95, 'text-anchor': 'middle', class: 'flow-label' }, WORDS[replication]));
    diagram.appendChild(svg('text', { x: 380, y: 140, 'text-anchor': 'middle', class: protection === 'protected' ? 'ok' : 'bad' }, WORDS[protection]));
  }

  // The list of every step.
  const list = document.getElementById('events');
  events.forEach((e, i) => {
    const li = html('li', { 'data-stage': e.stage });
    li.appendChild(html('span', { class: 'at' }, e.at));
    li.appendChild(document.createTextNode(' [' + e.stage_label + '] ' + e.text));
    li.addEventListener('click', () => show(i));
    list.appendChild(li);
  });

  const slider = document.getElementById('slider');
  function show(i, at) {
    if (!events.length) return;
    current = Math.max(0, Math.min(events.length - 1, i));
    const e = events[current];
    const s = at === undefined ? e.at_s : at;
    document.getElementById('event-at').textContent = e.at;
    document.getElementById('event-clock').textContent = '(' + e.clock + ')';
    document.getElementById('event-stage').textContent = e.stage_label;
    document.getElementById('event-text').textContent = e.text;
    document.getElementById('event-explain').textContent = e.explain;
    document.getElementById('position').textContent = 'step ' + (current + 1) + ' of ' + events.length;
    document.querySelectorAll('#stages li').forEach((li) => li.classList.toggle('current', Number(li.dataset.stage) === e.stage));
    list.querySelectorAll('li').forEach((li, k) => li.classList.toggle('current', k === current));
    const x = xOf(s);
    cursor.setAttribute('x1', x);
    cursor.setAttribute('x2', x);
    if (at === undefined) slider.value = Math.round(fraction(s) * 1000);
    drawDiagram(s);
  }
  function stageStart(stage) {
    const i = events.findIndex((e) => e.stage >= stage);
    return i < 0 ? events.length - 1 : i;
  }
  document.getElementById('prev').addEventListener('click', () => show(current - 1));
  document.getElementById('next').addEventListener('click', () => show(current + 1));
  document.querySelectorAll('#stages li').forEach((li) => li.addEventListener('click', () => show(stageStart(Number(li.dataset.stage)))));
  slider.addEventListener('input', () => {
    const s = timeAt(slider.value / 1000);
    let i = 0;
    while (i + 1 < events.length && events[i + 1].at_s <= s) i += 1;
    show(i, s);
  });
  document.addEventListener('keydown', (k) => {
    if (k.target && (k.target.tagName === 'INPUT' || k.target.tagName === 'TEXTAREA')) return;
    if (k.key === 'ArrowRight' || k.key === 'n') show(current + 1);
    else if (k.key === 'ArrowLeft' || k.key === 'p') show(current - 1);
    else if (k.key === 'Home') show(0);
    else if (k.key === 'End') show(events.length - 1);
    else if (/^[0-4]$/.test(k.key)) show(stageStart(Number(k.key)));
    else return;
    k.preventDefault();
  });

  // Each VM's lag before the outage, its recovery points and the one it uses.
  const vms = document.querySelector('#vms tbody');
  for (const vm of L.vms) {
    const tr = html('tr');
    tr.appendChild(html('td', {}, vm.id));
    tr.appendChild(html('td', {}, vm.group));
    const cell = html('td');
    const W = 320;
    const H = 44;
    const win = L.lag_window_s > 0 ? L.lag_window_s : 1;
    const px = (before) => W - (Math.min(before, win) / win) * W;
    const top = Math.max(1, ...vm.lag_samples.map((p) => p[1]));
    const spark = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'spark' });
    spark.appendChild(svg('line', { x1: 0, x2: W, y1: H - 10, y2: H - 10, stroke: '#999' }));
    if (vm.lag_samples.length) {
      const pts = vm.lag_samples.map(([b, lag]) => `${px(b).toFixed(1)},${(H - 10 - (lag / top) * (H - 14)).toFixed(1)}`).join(' ');
      spark.appendChild(svg('polyline', { points: pts, fill: 'none', stroke: '#1565c0', 'stroke-width': 1.5 }));
    }
    for (const p of vm.points_s) {
      if (p <= win) spark.appendChild(svg('line', { x1: px(p), x2: px(p), y1: H - 10, y2: H - 3, stroke: '#555' }));
    }
    if (vm.chosen_s <= win) {
      spark.appendChild(svg('line', { x1: px(vm.chosen_s), x2: px(vm.chosen_s), y1: 2, y2: H, stroke: '#c62828', 'stroke-width': 2 }));
    }
    spark.appendChild(svg('title', {}, 'lag over the ' + duration(win) + ' before t0 (right edge); ticks: recovery points; red: the point used'));
    cell.appendChild(spark);
    tr.appendChild(cell);
    for (const v of [vm.rpo, vm.data_lost, vm.rto]) tr.appendChild(html('td', {}, v));
    vms.appendChild(tr);
  }
  const figures = document.querySelector('#figures tbody');
  for (const f of L.figures) {
    const tr = html('tr');
    for (const v of [f.metric, f.value, f.shown]) tr.appendChild(html('td', {}, v));
    figures.appendChild(tr);
  }
  // A link may open the lesson at a stage or a step: lesson.html#stage=3, #step=12.
  const stageLink = /stage=([0-4])/.exec(location.hash);
  const stepLink = /step=(\d+)/.exec(location.hash);
  if (stageLink) show(stageStart(Number(stageLink[1])));
  else if (stepLink) show(Number(stepLink[1]) - 1);
  else show(0);

  // The served page's what-if panel.
  const whatIfData = document.getElementById('whatif-data');
  if (!whatIfData) return;
  const W = JSON.parse(whatIfData.textContent);
  const form = document.getElementById('controls');
  const inputs = [];
  for (const c of W.controls) {
    const p = html('p', { class: 'control' });
    const id = 'set-' + c.key.replace(/[^A-Za-z0-9]/g, '-');
    p.appendChild(html('label', { for: id }, c.label));
    const input = html('input', { id, type: 'text', value: c.value, 'data-key': c.key, 'data-initial': c.value });
    p.appendChild(input);
    p.appendChild(html('span', { class: 'hint' }, c.hint));
    form.appendChild(p);
    inputs.push(input);
  }
  const rp = html('p', { class: 'control' });
  rp.appendChild(html('label', { for: 'replications' }, 'Replications'));
  const reps = html('input', { id: 'replications', type: 'number', min: 1, max: W.max_replications, value: W.replications });
  rp.appendChild(reps);
  rp.appendChild(html('span', { class: 'hint' }, 'at most ' + W.max_replications));
  form.appendChild(rp);
  const run = html('button', { id: 'run', type: 'submit' }, 'Run');
  form.appendChild(run);
  const status = document.getElementById('status');
  let previous = null;
  window.drsimRuns = 0;

  function metricOf(doc, name) {
    const target = (doc.targets || []).find((t) => t.metric === name);
    const over = target ? target.over : 'all';
    return doc.metrics.find((m) => m.metric === name && m.population === over) || doc.metrics.find((m) => m.metric === name);
  }
  function drawDistributions(doc) {
    const box = document.getElementById('distributions');
    box.replaceChildren();
    for (const [name, label] of [['rpo_s', 'RPO'], ['rto_s', 'RTO']]) {
      const m = metricOf(doc, name);
      if (!m) continue;
      if (m.max === null) {
        // No replication has a value: over capacity, the lag (and so the
        // RPO) grows without bound (docs/model.md, "Capacity").
        const over = doc.metrics.find((x) => x.metric === 'over_capacity');
        const share = over && over.mean !== null ? ` (over capacity in ${(100 * over.mean).toFixed(1)}% of the replications)` : '';
        const g = svg('svg', { viewBox: '0 0 700 30', class: 'distribution', id: 'dist-' + name, 'data-p95': 'Infinity' });
        g.appendChild(svg('text', { x: 20, y: 18, class: 'dist-title' }, `${label}: no value in any replication: over capacity, it grows without bound${share}`));
        box.appendChild(g);
        continue;
      }
      const before = previous && metricOf(previous, name);
      const target = (doc.targets || []).find((t) => t.metric === name);
      const top = Math.max(m.max, before && before.max !== null ? before.max : 0, target ? target.target_s : 0) * 1.05 || 1;
      const x = (v) => 20 + (v / top) * 660;
      const g = svg('svg', { viewBox: '0 0 700 96', class: 'distribution', id: 'dist-' + name, 'data-p95': m.p95 });
      g.appendChild(svg('text', { x: 20, y: 14, class: 'dist-title' }, `${label} over ${m.population === 'all' ? 'all outages' : 'declared disasters'} (${m.count} replications): p50 ${duration(m.p50)}, p95 ${duration(m.p95)}, max ${duration(m.max)}`));
      const strip = (mm, y, cls) => {
        g.appendChild(svg('line', { x1: x(mm.min), x2: x(mm.max), y1: y, y2: y, class: cls + ' whisker' }));
        g.appendChild(svg('rect', { x: x(mm.p50), y: y - 9, width: Math.max(1, x(mm.p90) - x(mm.p50)), height: 18, class: cls + ' box' }));
        let lastLabel = -100;
        for (const [q, v] of [['p50', mm.p50], ['p95', mm.p95], ['p99', mm.p99]]) {
          g.appendChild(svg('line', { x1: x(v), x2: x(v), y1: y - 12, y2: y + 12, class: cls + ' mark' }));
          if (cls === 'now' && x(v) - lastLabel > 28) {
            g.appendChild(svg('text', { x: x(v), y: y + 24, 'text-anchor': 'middle', class: 'q' }, q));
            lastLabel = x(v);
          }
        }
      };
      g.appendChild(svg('text', { x: 20, y: 92, class: 'q' }, '0'));
      g.appendChild(svg('text', { x: 680, y: 92, 'text-anchor': 'end', class: 'q' }, duration(top)));
      if (before && before.max !== null) strip(before, 34, 'before');
      strip(m, 56, 'now');
      if (target) {
        g.appendChild(svg('line', { x1: x(target.target_s), x2: x(target.target_s), y1: 20, y2: 90, class: 'target' }));
        const right = x(target.target_s) > 560;
        g.appendChild(svg('text', { x: x(target.target_s) + (right ? -4 : 4), y: 30, 'text-anchor': right ? 'end' : 'start', class: 'target-label' }, 'target ' + duration(target.target_s)));
      }
      box.appendChild(g);
    }
    const verdicts = document.getElementById('verdicts');
    verdicts.replaceChildren();
    for (const t of doc.targets || []) {
      // Never rounds a fraction with a miss up to 100% (or one with a hit down to 0%).
      const pct = (v) => {
        const shown = (100 * v).toFixed(1);
        if (v < 1 && shown === '100.0') return '>99.9%';
        if (v > 0 && shown === '0.0') return '<0.1%';
        return shown + '%';
      };
      const li = html('li', { class: t.verdict.toLowerCase() });
      li.textContent = `${t.metric} <= ${duration(t.target_s)} in ${pct(t.required_fraction)} of ${t.over === 'all' ? 'outages' : 'declared disasters'}: ${t.verdict.toUpperCase()}; met in ${t.fraction_meeting === null ? '-' : pct(t.fraction_meeting)} of ${t.total} (95% CI ${t.fraction_ci95_low === null ? '-' : pct(t.fraction_ci95_low)} to ${t.fraction_ci95_high === null ? '-' : pct(t.fraction_ci95_high)})`;
      verdicts.appendChild(li);
    }
  }
  async function runOnce() {
    const set = {};
    for (const input of inputs) if (input.value !== input.dataset.initial) set[input.dataset.key] = input.value;
    status.className = '';
    status.textContent = 'running...';
    run.disabled = true;
    const started = performance.now();
    try {
      const response = await fetch('/api/run', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ set, replications: Number(reps.value) }),
      });
      const text = await response.text();
      if (!response.ok) {
        let message = text;
        try { message = JSON.parse(text).error; } catch (_) { /* plain text */ }
        status.className = 'error';
        status.textContent = message;
        return;
      }
      const doc = JSON.parse(text);
      drawDistributions(doc);
      previous = doc;
      window.drsimRuns += 1;
      const changed = Object.keys(set);
      status.textContent = `${doc.metrics[0].count} replications in ${((performance.now() - started) / 1000).toFixed(1)} s` + (changed.length ? '; changed: ' + changed.map((k) => k + ' = ' + set[k]).join(', ') : '; the scenario as written');
    } catch (err) {
      status.className = 'error';
      status.textContent = 'the server did not answer: ' + err;
    } finally {
      run.disabled = false;
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); runOnce(); });
  inputs.forEach((i) => i.addEventListener('change', runOnce));
  runOnce();
})();
