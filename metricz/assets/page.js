// metricz page: renders the embedded snapshot, then fetches ?format=json
// every collection interval and redraws. Every piece of data reaches the DOM
// through textContent or an SVG attribute, never through HTML parsing, so
// attribute values cannot inject markup.
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  const state = { data: null, filter: '', paused: false, timer: 0, inflight: false, fetchError: '', debounce: 0, expanded: new Set() };
  // Rows drawn per instrument until the user asks for all: redrawing
  // thousands of rows every interval would make the page sluggish.
  const ROWS_SHOWN = 50;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svgEl(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    return e;
  }

  // num turns a JSON number, or one of "NaN", "Infinity", "-Infinity", into a number.
  function num(v) {
    if (v === null || v === undefined) return null;
    return typeof v === 'number' ? v : Number(v);
  }

  function fmt(v) {
    v = num(v);
    if (v === null) return '–';
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '−Inf';
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e15 || a < 1e-4)) return v.toExponential(2);
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    return Number(v.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 8 });
  }

  // withUnit formats a value in an instrument's unit, scaling the common
  // UCUM units (seconds, bytes) to something readable.
  function withUnit(v, unit) {
    v = num(v);
    if (v === null) return '–';
    if (Number.isFinite(v) && v !== 0) {
      const a = Math.abs(v);
      if (unit === 's' && a < 1) return a < 1e-3 ? fmt(v * 1e6) + ' µs' : fmt(v * 1e3) + ' ms';
      if (unit === 'By' && a >= 1024) {
        const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
        let i = -1;
        while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
        return fmt(Number(v.toFixed(1))) + ' ' + units[i];
      }
    }
    if (unit === 'By') return fmt(v) + ' B';
    // A pure annotation such as {request} is already shown in the badge.
    if (!unit || unit === '1' || /^\{[^}]*\}$/.test(unit)) return fmt(v);
    return fmt(v) + ' ' + unit.replace(/\{([^}]*)\}/g, '$1');
  }

  // perSecond formats a counter's rate in the instrument's unit: bytes as
  // B/s, KiB/s, MiB/s…; seconds as a duration per second (CPU time: 250
  // ms/s is a quarter of a core); dimensionless units and annotations such
  // as {request} as a plain number per second.
  function perSecond(v, unit) {
    v = num(v);
    if (v === null) return '–';
    const shown = withUnit(v, unit);
    return shown === fmt(v) ? shown + ' /s' : shown + '/s';
  }

  function attrChip(a) {
    const c = el('span', 'attr');
    c.append(el('span', 'k', a.key + '='), el('span', 'v', a.value));
    return c;
  }

  // sparkline draws the recent points across the full width, its axis
  // starting at the first sample: while the history fills, the line
  // stretches over the width instead of hugging the right edge as a stub.
  // Leading nulls (a counter's first collection has no rate yet) are left
  // out; later nulls are gaps. format labels the values in the title.
  function sparkline(points, format) {
    const W = 200, H = 30, pad = 3;
    const svg = svgEl('svg', { class: 'spark', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
    svg.appendChild(svgEl('line', { class: 'base', x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5 }));
    const vals = points.filter((p) => p !== null);
    if (vals.length === 0) {
      svg.setAttribute('aria-label', 'no points yet');
      return svg;
    }
    points = points.slice(points.findIndex((p) => p !== null));
    let lo = Math.min(...vals), hi = Math.max(...vals);
    const title = svgEl('title', {});
    title.textContent = `last ${points.length} points · min ${format(lo)} · max ${format(hi)}`;
    svg.appendChild(title);
    if (lo === hi) { lo -= 1; hi += 1; }
    // One point: drawn at the right edge, where the next ones will follow.
    const slots = Math.max(points.length, 2);
    const step = W / (slots - 1);
    const first = slots - points.length;
    let d = '', pen = false, lx = 0, ly = 0;
    points.forEach((p, i) => {
      if (p === null) { pen = false; return; }
      lx = (first + i) * step;
      ly = H - pad - ((p - lo) / (hi - lo)) * (H - 2 * pad);
      d += (pen ? 'L' : 'M') + lx.toFixed(1) + ' ' + ly.toFixed(1);
      pen = true;
    });
    svg.appendChild(svgEl('path', { class: 'line', d }));
    svg.appendChild(svgEl('circle', { cx: lx.toFixed(1), cy: ly.toFixed(1), r: 2 }));
    return svg;
  }

  function bucketBars(buckets, unit) {
    const W = 220, H = 34;
    const wrap = el('div', 'bucket-bars');
    const svg = svgEl('svg', { class: 'buckets', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
    const maxCount = Math.max(...buckets.map((b) => b.count));
    const bw = W / buckets.length;
    buckets.forEach((b, i) => {
      const bh = b.count ? Math.max(1.5, (b.count / maxCount) * (H - 2)) : 0;
      const r = svgEl('rect', {
        class: 'b', x: (i * bw + 0.5).toFixed(2), y: (H - bh).toFixed(2),
        width: Math.max(1, bw - 1).toFixed(2), height: bh.toFixed(2),
      });
      const t = svgEl('title', {});
      t.textContent = `(${withUnit(b.lo, unit)}, ${withUnit(b.hi, unit)}]: ${fmt(b.count)}`;
      r.appendChild(t);
      svg.appendChild(r);
    });
    const axis = el('div', 'axis');
    axis.append(el('span', '', withUnit(buckets[0].lo, unit)), el('span', '', withUnit(buckets[buckets.length - 1].hi, unit)));
    wrap.append(svg, axis);
    return wrap;
  }

  function seriesRow(inst, s) {
    const tr = el('tr', 'series-row');
    tr.dataset.series = s.attributes.map((a) => a.key + '=' + a.value).join(' ');
    const attrs = el('td', 'attrs');
    if (s.attributes.length === 0) attrs.append(el('span', 'none', 'no attributes'));
    else s.attributes.forEach((a) => attrs.append(attrChip(a)));
    tr.append(attrs);

    const value = el('td', 'val');
    const trend = el('td', 'trend');
    const isRate = s.rate !== undefined || inst.kind === 'counter';
    trend.append(sparkline(s.spark, (v) => (isRate ? perSecond(v, inst.unit) : withUnit(v, inst.unit))));
    const h = s.histogram;
    if (h) {
      value.append(el('span', 'value count', fmt(h.count)));
      const mean = h.count > 0 ? num(h.sum) / h.count : null;
      value.append(el('span', 'sub', `observations · mean ${withUnit(mean, inst.unit)}`));
      if (h.min !== undefined && h.max !== undefined) {
        value.append(el('span', 'sub', `min ${withUnit(h.min, inst.unit)} · max ${withUnit(h.max, inst.unit)}`));
      }
      const dist = el('td', 'dist');
      const pcts = el('div', 'pcts');
      for (const q of ['p50', 'p90', 'p99']) {
        const cell = el('span', 'pct');
        cell.append(el('label', '', q), el('span', q, withUnit(h[q], inst.unit)));
        pcts.append(cell);
      }
      dist.append(pcts);
      if (h.buckets && h.buckets.length) dist.append(bucketBars(h.buckets, inst.unit));
      tr.append(value, dist, trend);
    } else {
      value.append(el('span', 'value', withUnit(s.value, inst.unit)));
      if (s.rate !== undefined) value.append(el('span', 'rate', perSecond(s.rate, inst.unit)));
      const dist = el('td', 'dist');
      tr.append(value, dist, trend);
    }
    return tr;
  }

  function instrumentCard(scope, inst) {
    const key = [scope.name, scope.version, inst.name, inst.kind, inst.unit].join('\u0000');
    const card = el('article', 'instrument');
    card.dataset.instrument = inst.name;
    card.dataset.kind = inst.kind;
    const head = el('header');
    head.append(el('span', 'iname', inst.name), el('span', 'badge kind-' + inst.kind, inst.kind.replace('_', ' ')));
    if (inst.unit) head.append(el('span', 'badge unit', inst.unit));
    if (inst.temporality) head.append(el('span', 'badge temporality', inst.temporality));
    card.append(head);
    if (inst.description) card.append(el('p', 'desc', inst.description));
    const table = el('table', 'series');
    const body = el('tbody');
    const all = state.expanded.has(key);
    const shown = all ? inst.series : inst.series.slice(0, ROWS_SHOWN);
    shown.forEach((s) => body.append(seriesRow(inst, s)));
    table.append(body);
    card.append(table);
    if (inst.series.length > ROWS_SHOWN) {
      const more = el('button', 'more', all
        ? `Show the first ${ROWS_SHOWN} series only`
        : `Show all ${fmt(inst.series.length)} series (${fmt(inst.series.length - ROWS_SHOWN)} more)`);
      more.type = 'button';
      more.addEventListener('click', () => {
        if (all) state.expanded.delete(key); else state.expanded.add(key);
        render();
      });
      card.append(more);
    }
    if (inst.series.length === 0) card.append(el('p', 'desc', 'no series'));
    return card;
  }

  function scopeSection(scope) {
    const sec = el('section', 'scope');
    sec.dataset.scope = scope.name;
    const h2 = el('h2');
    h2.append(el('span', 'scope-name', scope.name || '(unnamed scope)'));
    if (scope.version) h2.append(el('span', 'ver', scope.version));
    h2.append(el('span', 'count', `${scope.instruments.length} instrument${scope.instruments.length === 1 ? '' : 's'}`));
    sec.append(h2);
    for (const inst of scope.instruments) sec.append(instrumentCard(scope, inst));
    return sec;
  }

  function render() {
    const d = state.data;
    if (!d) return;
    const res = $('resource');
    res.replaceChildren(...(d.resource || [])
      .filter((a) => a.key.startsWith('service.') || a.key === 'host.name')
      .map(attrChip));

    const when = d.collections > 0 ? new Date(d.collected_at).toLocaleTimeString('en-GB') : '–';
    let status = d.status ? d.status + ' · ' : '';
    status += `collected ${when} · every ${d.interval_ms >= 1000 ? d.interval_ms / 1000 + ' s' : d.interval_ms + ' ms'}`;
    status += ` · ${fmt(d.totals.instruments)} instruments · ${fmt(d.totals.series)} series`;
    if (d.filter) status += ` · ${fmt(d.totals.shown_series)} match “${d.filter}”`;
    if (state.paused) status += ' · paused';
    $('status').textContent = status;

    const L = d.limits;
    const limits = $('limits');
    let text = `Memory cap: at most ${fmt(L.max_series)} series × ${L.history_points} points; ` +
      `attribute values cut at ${L.max_attribute_value_length} bytes.`;
    if (d.totals.dropped_series > 0) text += ` ${fmt(d.totals.dropped_series)} series over the cap are not shown.`;
    limits.textContent = text;
    limits.classList.toggle('over', d.totals.dropped_series > 0);

    const errors = [d.error, state.fetchError].filter(Boolean).join('\n');
    $('error').hidden = !errors;
    $('error').textContent = errors;

    const frag = document.createDocumentFragment();
    // The SDK's metrics about itself (OTEL_GO_X_OBSERVABILITY=true) go to a
    // section of their own after the application's.
    const self = d.scopes.filter((s) => s.self_observability);
    for (const scope of d.scopes) {
      if (!scope.self_observability) frag.append(scopeSection(scope));
    }
    if (self.length > 0) {
      const box = el('section', 'self-observability');
      box.id = 'self-observability';
      box.append(el('h2', 'self-title', 'Self-observability'),
        el('p', 'desc', 'What the SDK reports about itself: collections, exports and scrapes, series per stream, overflow, invalid measurements and failing callbacks.'));
      for (const scope of self) box.append(scopeSection(scope));
      frag.append(box);
    }
    if (d.scopes.length === 0) {
      frag.append(el('p', 'empty', d.filter ? `Nothing matches “${d.filter}”.` : 'No metrics yet.'));
    }
    $('scopes').replaceChildren(frag);
    $('json-link').href = jsonURL();
  }

  function jsonURL() {
    const p = new URLSearchParams({ format: 'json' });
    if (state.filter) p.set('filter', state.filter);
    return '?' + p.toString();
  }

  async function refresh(force) {
    // A hidden tab neither fetches nor redraws.
    if ((state.paused && !force) || state.inflight || (document.hidden && !force)) return;
    state.inflight = true;
    try {
      const r = await fetch(jsonURL(), { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!r.ok) throw new Error(`HTTP ${r.status}: ${(await r.text()).trim()}`);
      const data = await r.json();
      if ((data.filter || '') !== state.filter) return; // a newer filter is on its way
      if (state.paused && !force) return; // paused while this fetch was on its way
      state.data = data;
      state.fetchError = '';
    } catch (e) {
      state.fetchError = `Refresh failed (${e.message}); retrying.`;
    } finally {
      state.inflight = false;
    }
    render();
    schedule();
  }

  function schedule() {
    const ms = Math.max(250, (state.data && state.data.interval_ms) || 1000);
    if (state.timer && state.period === ms) return;
    clearInterval(state.timer);
    state.period = ms;
    state.timer = setInterval(() => refresh(false), ms);
  }

  function init() {
    try {
      state.data = JSON.parse($('metricz-data').textContent);
    } catch (e) {
      state.fetchError = 'Cannot read the embedded data: ' + e.message;
    }
    state.filter = (state.data && state.data.filter) || '';
    const input = $('filter');
    input.value = state.filter;
    input.addEventListener('input', () => {
      clearTimeout(state.debounce);
      state.debounce = setTimeout(() => {
        state.filter = input.value.trim();
        const p = new URLSearchParams();
        if (state.filter) p.set('filter', state.filter);
        history.replaceState(null, '', location.pathname + (state.filter ? '?' + p.toString() : ''));
        state.inflight = false;
        refresh(true);
      }, 200);
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === '/' && document.activeElement !== input) { e.preventDefault(); input.focus(); }
    });
    const pause = $('pause');
    pause.addEventListener('click', () => {
      state.paused = !state.paused;
      pause.textContent = state.paused ? 'Resume' : 'Pause';
      pause.setAttribute('aria-pressed', String(state.paused));
      render();
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) refresh(false);
    });
    render();
    schedule();
  }

  init();
})();
