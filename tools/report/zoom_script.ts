// The report's one inline script: zoom and hover over the plots, offline (no library, nothing
// fetched). All plots share one row range. Drag across a plot to zoom to those rows; the bar's
// buttons zoom out and reset; a link to #rows=A-B (the episode table's) zooms there, and the
// address keeps the range. Hover shows the time, row and value under the pointer. On a redraw it
// recomputes each plot's line from the embedded data (zoom_data.ts) for the rows in view, moves
// the shaded spans and alarm bars, and relabels the time axis; the y axis stays as drawn, so a
// threshold line stays valid. The page's body carries data-view="FROM-TO" (what tests read).
// Written as plain ES5 in a string: it runs in the reader's browser, not in Node.

export const ZOOM_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('vigil-plot-data').textContent);
  var M = D.margin, NS = 'http://www.w3.org/2000/svg';
  var view = { from: 0, to: D.rows };
  var tip = document.createElement('div');
  tip.className = 'tip';
  document.body.appendChild(tip);

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function timeAt(row) {
    var i = row / D.every, a = Math.floor(i), L = D.times.length - 1;
    if (a >= L) return D.times[L] + (row - L * D.every) * D.stepMs;
    return D.times[a] + (i - a) * (D.times[a + 1] - D.times[a]);
  }
  function label(row, seconds) {
    if (D.times) {
      var s = new Date(timeAt(row) + D.zone.offsetMinutes * 60000).toISOString();
      return s.slice(0, seconds ? 19 : 16).replace('T', ' ');
    }
    if (D.stepSeconds) return (row * D.stepSeconds / 3600).toFixed(seconds ? 3 : 1) + ' h';
    return 'row ' + Math.round(row);
  }
  function fmt(v) {
    if (v === null) return '–';
    var a = Math.abs(v);
    return a !== 0 && (a >= 1e4 || a < 1e-2) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  }
  function el(name, attrs) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  function Plot(svg) {
    this.svg = svg;
    this.data = D.plots[+svg.getAttribute('data-plot')];
    this.W = +svg.getAttribute('width');
    var H = +svg.getAttribute('height');
    this.pw = this.W - M.left - M.right;
    this.ph = H - M.top - M.bottom - (this.data.alarms ? D.strip + 2 : 0);
    this.H = H;
    this.lo = +svg.getAttribute('data-lo');
    this.hi = +svg.getAttribute('data-hi');
    this.log = svg.getAttribute('data-log') === '1';
    this.line = svg.querySelector('path.line');
    this.alarm = svg.querySelector('path.alarm');
    this.ticks = svg.querySelector('g.xticks');
    this.spans = svg.querySelectorAll('[data-start]');
    this.cursor = el('line', { class: 'cursor', y1: M.top, y2: M.top + this.ph, x1: -10, x2: -10 });
    this.sel = el('rect', { class: 'sel', y: M.top, height: this.ph, x: -10, width: 0 });
    svg.appendChild(this.cursor);
    svg.appendChild(this.sel);
  }
  Plot.prototype.x = function (row) { return M.left + this.pw * (row - view.from) / (view.to - view.from); };
  Plot.prototype.y = function (v) {
    var t = this.log ? Math.log10(Math.max(v, 1e-12)) : v;
    return M.top + this.ph - (t - this.lo) / (this.hi - this.lo) * this.ph;
  };
  Plot.prototype.rowAt = function (clientX) {
    var r = this.svg.getBoundingClientRect();
    var px = (clientX - r.left) * this.W / r.width - M.left;
    return Math.max(view.from, Math.min(view.to - 1, view.from + px / this.pw * (view.to - view.from)));
  };
  Plot.prototype.draw = function () {
    var B = Math.max(1, Math.round(this.pw)), span = view.to - view.from, d = '', open = false;
    var mn = this.data.min, mx = this.data.max;
    for (var b = 0; b < B; b++) {
      var i0 = Math.floor((view.from + span * b / B) / D.every);
      var i1 = Math.max(i0 + 1, Math.ceil((view.from + span * (b + 1) / B) / D.every));
      var lo = Infinity, hi = -Infinity;
      for (var i = i0; i < i1 && i < mn.length; i++) {
        if (mn[i] === null) continue;
        if (mn[i] < lo) lo = mn[i];
        if (mx[i] > hi) hi = mx[i];
      }
      if (lo > hi) { open = false; continue; }
      var xx = (M.left + this.pw * (b + 0.5) / B).toFixed(1);
      d += (open ? 'L' : 'M') + xx + ' ' + this.y(hi).toFixed(1);
      if (hi !== lo) d += 'L' + xx + ' ' + this.y(lo).toFixed(1);
      open = true;
    }
    this.line.setAttribute('d', d);
    var left = M.left, right = M.left + this.pw;
    for (var s = 0; s < this.spans.length; s++) {
      var e = this.spans[s], a = this.x(+e.getAttribute('data-start')), z = Math.max(this.x(+e.getAttribute('data-end')), a + 1.5);
      var shown = z > left && a < right;
      e.style.display = shown ? '' : 'none';
      if (!shown) continue;
      a = Math.max(a, left);
      e.setAttribute('x', (e.tagName === 'text' ? a + 1 : a).toFixed(1));
      if (e.tagName === 'rect') e.setAttribute('width', (Math.min(z, right) - a).toFixed(1));
    }
    if (this.alarm) {
      var top = M.top + this.ph + 2, p = '';
      for (var k = 0; k < this.data.alarms.length; k++) {
        var run = this.data.alarms[k];
        if (run[1] <= view.from || run[0] >= view.to) continue;
        var x0 = Math.max(this.x(run[0]), left), w = Math.max(1, Math.min(this.x(run[1]), right) - x0);
        p += 'M' + x0.toFixed(1) + ' ' + top + 'h' + w.toFixed(1) + 'v' + D.strip + 'h' + (-w).toFixed(1) + 'z';
      }
      this.alarm.setAttribute('d', p);
    }
    while (this.ticks.firstChild) this.ticks.removeChild(this.ticks.firstChild);
    var every = tickStep(span), seconds = D.times && span * D.stepMs < 120000;
    for (var r = Math.ceil(view.from / every) * every; r < view.to; r += every) {
      var tx = this.x(r);
      if (tx > this.W - 45) continue;
      this.ticks.appendChild(el('line', { x1: tx, x2: tx, y1: M.top + this.ph, y2: M.top + this.ph + 3, class: 'axis' }));
      var t = el('text', { x: tx, y: this.H - 6, class: 'xtick' });
      t.textContent = label(r, seconds);
      this.ticks.appendChild(t);
    }
  };
  // Rows between ticks, about 7 in view: a round time step when rows have times, else a round row count.
  var SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  function tickStep(span) {
    if (D.times && D.stepMs > 0) {
      var secs = span * D.stepMs / 1000;
      for (var j = 0; j < SECONDS.length; j++) if (secs / SECONDS[j] <= 7) return Math.max(1, Math.round(SECONDS[j] * 1000 / D.stepMs));
      return Math.max(1, Math.round(secs / 7 * 1000 / D.stepMs));
    }
    var raw = span / 7, mag = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * mag >= raw) return Math.max(1, steps[i] * mag);
    return 10 * mag;
  }

  var plots = [];
  var svgs = document.querySelectorAll('svg.plot[data-plot]');
  for (var i = 0; i < svgs.length; i++) plots.push(new Plot(svgs[i]));

  var bar = document.querySelector('.zoombar');
  var where = document.createElement('span');
  function button(text, act) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.addEventListener('click', act);
    bar.appendChild(b);
  }
  button('zoom out', function () {
    var c = (view.from + view.to) / 2, h = view.to - view.from;
    zoom(c - h, c + h);
  });
  button('reset zoom', function () { zoom(0, D.rows); });
  bar.appendChild(where);

  function zoom(from, to, keepHash) {
    from = Math.max(0, Math.floor(from));
    to = Math.min(D.rows, Math.ceil(to));
    if (to - from < 2) to = Math.min(D.rows, from + 2), from = Math.max(0, to - 2);
    view.from = from;
    view.to = to;
    for (var i = 0; i < plots.length; i++) plots[i].draw();
    where.textContent = label(from, true) + ' – ' + label(to - 1, true) + (D.zone ? ' ' + D.zone.label : '') + ' (rows ' + from + '–' + (to - 1) + '; drag across a plot to zoom, double-click to reset)';
    document.body.setAttribute('data-view', from + '-' + to);
    if (!keepHash && history.replaceState) history.replaceState(null, '', from === 0 && to === D.rows ? location.pathname : '#rows=' + from + '-' + to);
  }
  function fromHash() {
    var m = /^#rows=(\d+)-(\d+)$/.exec(location.hash);
    if (m) zoom(+m[1], +m[2], true);
  }
  window.addEventListener('hashchange', fromHash);

  var drag = null;
  plots.forEach(function (p) {
    p.svg.addEventListener('mousedown', function (ev) {
      drag = { plot: p, row: p.rowAt(ev.clientX) };
      ev.preventDefault();
    });
    p.svg.addEventListener('mousemove', function (ev) {
      var row = p.rowAt(ev.clientX), x = p.x(row);
      p.cursor.setAttribute('x1', x);
      p.cursor.setAttribute('x2', x);
      var i = Math.floor(row / D.every), mn = p.data.min[i], mx = p.data.max[i];
      tip.textContent = label(row, true) + (D.zone ? ' ' + D.zone.label : '') + ' · row ' + Math.floor(row) + ' · ' + (mn === mx ? fmt(mn) : fmt(mn) + ' to ' + fmt(mx));
      tip.style.display = 'block';
      tip.style.left = (ev.pageX + 12) + 'px';
      tip.style.top = (ev.pageY + 12) + 'px';
      if (drag && drag.plot === p) {
        var a = Math.min(p.x(drag.row), x), b = Math.max(p.x(drag.row), x);
        p.sel.setAttribute('x', a);
        p.sel.setAttribute('width', b - a);
      }
    });
    p.svg.addEventListener('mouseleave', function () {
      tip.style.display = 'none';
      p.cursor.setAttribute('x1', -10);
      p.cursor.setAttribute('x2', -10);
    });
    p.svg.addEventListener('dblclick', function () { zoom(0, D.rows); });
  });
  window.addEventListener('mouseup', function (ev) {
    if (!drag) return;
    var p = drag.plot, a = drag.row, b = p.rowAt(ev.clientX);
    drag = null;
    p.sel.setAttribute('width', 0);
    if (Math.abs(p.x(b) - p.x(a)) > 3) zoom(Math.min(a, b), Math.max(a, b) + 1);
  });

  zoom(0, D.rows, true);
  fromHash();
  document.body.setAttribute('data-zoom', 'ready');
})();
`;
