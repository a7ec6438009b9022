// Inline SVG line plots for the HTML report, no dependencies. Long series are reduced to one
// min/max pair per pixel column and drawn as a zig-zag through both, so a one-step spike stays
// visible at any zoom while a plot stays a few tens of KB. Shaded spans mark attacks; optional
// horizontal lines mark thresholds, and a strip under the plot marks the flagged rows (alarms).
// The attributes named data-* are what the page's zoom script (zoom.ts) redraws from: the plot's
// index in the embedded data, its y range, its spans' rows.
import type { Segment } from '../../lib/eval/events';
import { esc } from './html';

export interface Span {
  /** Rows [start, end) of the plotted series. */
  start: number;
  end: number;
  label: string;
  /** Tooltip (default: the label). */
  title?: string;
  /** Shade: an attack (default), a stealthy attack, or a labelled non-anomaly (benign change). */
  tone?: 'attack' | 'stealthy' | 'benign';
}

export interface PlotOptions {
  title: string;
  values: ArrayLike<number>;
  width?: number;
  height?: number;
  color?: string;
  spans?: Span[];
  /** A horizontal line (e.g. the fitted threshold). */
  threshold?: { value: number; label: string };
  /** Runs of flagged rows [start, end), drawn as a strip under the plot. */
  alarms?: Segment[];
  /** Log10 y axis (scores spanning orders of magnitude); values <= 0 are clamped. */
  logY?: boolean;
  /** Labels of the x axis: the tick positions (rows) and their text. */
  xTicks?: { row: number; text: string }[];
  /** The x axis' time zone ("UTC"), written above the plot's right end. */
  zone?: string;
  /** Index of the plot's values in the page's embedded data (zoom.ts); absent: not zoomable. */
  plot?: number;
}

export const MARGIN = { left: 62, right: 12, top: 20, bottom: 22 };
export const ALARM_STRIP = 8;

/** One [min, max] pair per bucket of rows (NaN in a bucket with no finite value). */
export function minMaxBuckets(values: ArrayLike<number>, buckets: number): { min: Float64Array; max: Float64Array } {
  const n = values.length;
  const min = new Float64Array(buckets).fill(NaN);
  const max = new Float64Array(buckets).fill(NaN);
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.max(from + 1, Math.floor(((b + 1) * n) / buckets));
    for (let i = from; i < to && i < n; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (!(v >= min[b])) min[b] = v;
      if (!(v <= max[b])) max[b] = v;
    }
  }
  return { min, max };
}

/** Finite extent of the values (and extra points), padded by 5%; [0, 1] when there is none. */
function extent(values: ArrayLike<number>, extra: number[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  for (const v of extra) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!(lo <= hi)) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** Up to ~4 round tick values in [lo, hi]. */
function niceTicks(lo: number, hi: number): number[] {
  const step0 = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const fmt = (v: number): string => {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e4 || a < 1e-2) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
};

const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** A line plot as an <svg> element string. */
export function linePlot(o: PlotOptions): string {
  const W = o.width ?? 1200, H = o.height ?? 120;
  const n = o.values.length;
  const strip = o.alarms ? ALARM_STRIP + 2 : 0;
  const pw = W - MARGIN.left - MARGIN.right, ph = H - MARGIN.top - MARGIN.bottom - strip;
  const tr = o.logY ? (v: number) => Math.log10(Math.max(v, 1e-12)) : (v: number) => v;
  const buckets = Math.max(1, Math.min(n, Math.round(pw)));
  const { min, max } = minMaxBuckets(o.values, buckets);
  const tv = Float64Array.from(min, tr), tm = Float64Array.from(max, tr);
  const [lo, hi] = extent([...tv, ...tm], o.threshold ? [tr(o.threshold.value)] : []);
  const x = (row: number) => MARGIN.left + (pw * row) / Math.max(n, 1);
  const y = (v: number) => MARGIN.top + ph - ((v - lo) / (hi - lo)) * ph;
  const bx = (b: number) => MARGIN.left + (pw * (b + 0.5)) / buckets;
  const parts: string[] = [];
  const zoom = o.plot === undefined ? '' : ` data-plot="${o.plot}" data-lo="${lo}" data-hi="${hi}" data-log="${o.logY ? 1 : 0}" data-rows="${n}"`;
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="plot" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(o.title)}"${zoom}>`);
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${pw}" height="${ph}" class="frame"/>`);
  for (const s of o.spans ?? []) {
    const x0 = x(s.start), x1 = Math.max(x(s.end), x0 + 1.5);
    const rows = `data-start="${s.start}" data-end="${s.end}"`;
    parts.push(`<rect x="${r1(x0)}" y="${MARGIN.top}" width="${r1(x1 - x0)}" height="${ph}" class="span ${s.tone ?? 'attack'}" ${rows}><title>${esc(s.title ?? s.label)}</title></rect>`);
    parts.push(`<text x="${r1(x0 + 1)}" y="${MARGIN.top + 9}" class="spanlabel ${s.tone ?? 'attack'}" ${rows}>${esc(s.label)}</text>`);
  }
  // Y ticks: in log units for a log axis (labelled 10^k), else round values.
  const ticks = o.logY ? Array.from({ length: Math.floor(hi) - Math.ceil(lo) + 1 }, (_, i) => Math.ceil(lo) + i) : niceTicks(lo, hi);
  const thin = ticks.length > 5 ? ticks.filter((_, i) => i % Math.ceil(ticks.length / 5) === 0) : ticks;
  for (const t of thin) {
    const yy = r1(y(t));
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + pw}" y1="${yy}" y2="${yy}" class="grid"/>`);
    parts.push(`<text x="${MARGIN.left - 4}" y="${yy}" class="ytick">${o.logY ? fmt(10 ** t) : fmt(t)}</text>`);
  }
  parts.push('<g class="xticks">');
  for (const t of o.xTicks ?? []) {
    if (x(t.row) > W - 45) continue; // its label would be cut at the right edge
    const xx = r1(x(t.row));
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${MARGIN.top + ph}" y2="${MARGIN.top + ph + 3}" class="axis"/>`);
    parts.push(`<text x="${xx}" y="${H - 6}" class="xtick">${esc(t.text)}</text>`);
  }
  parts.push('</g>');
  if (o.zone) parts.push(`<text x="${W - MARGIN.right}" y="${MARGIN.top - 6}" class="zone">time axis: ${esc(o.zone)}</text>`);
  // The envelope: through (max, min) of each pixel column in turn; gaps (NaN) break the path.
  let d = '';
  let open = false;
  for (let b = 0; b < buckets; b++) {
    if (!Number.isFinite(tv[b])) {
      open = false;
      continue;
    }
    const xx = r1(bx(b));
    d += `${open ? 'L' : 'M'}${xx} ${r1(y(tm[b]))}`;
    if (tm[b] !== tv[b]) d += `L${xx} ${r1(y(tv[b]))}`;
    open = true;
  }
  parts.push(`<path d="${d}" class="line" stroke="${o.color ?? '#1f5fa8'}"/>`);
  if (o.threshold) {
    const yy = r1(y(tr(o.threshold.value)));
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + pw}" y1="${yy}" y2="${yy}" class="threshold"/>`);
    parts.push(`<text x="${MARGIN.left + pw - 2}" y="${Number(yy) - 3}" class="thlabel">${esc(o.threshold.label)}</text>`);
  }
  if (o.alarms) {
    // Alarm strip: each run of flagged rows as a bar at least one pixel wide.
    const sy = MARGIN.top + ph + 2;
    parts.push(`<rect x="${MARGIN.left}" y="${sy}" width="${pw}" height="${ALARM_STRIP}" class="strip"/>`);
    parts.push(`<path d="${alarmPath(o.alarms, x, sy)}" class="alarm"/>`);
  }
  parts.push(`<text x="${MARGIN.left}" y="${MARGIN.top - 6}" class="ptitle">${esc(o.title)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** The alarm strip's path: a filled bar per run of flagged rows, at least one pixel wide. */
export function alarmPath(runs: Segment[], x: (row: number) => number, top: number): string {
  let d = '';
  for (const { start, end } of runs) {
    const x0 = x(start), w = Math.max(1, x(end) - x0);
    d += `M${r1(x0)} ${top}h${r1(w)}v${ALARM_STRIP}h${r1(-w)}z`;
  }
  return d;
}

/** Tick rows at round hour steps (about `count` of them), labelled by `label(row)`. */
export function hourTicks(rows: number, stepSeconds: number, label: (row: number) => string, count = 8): { row: number; text: string }[] {
  const hours = (rows * stepSeconds) / 3600;
  const every = [0.25, 0.5, 1, 2, 3, 6, 12, 24, 48].find((h) => hours / h <= count) ?? 96;
  const stepRows = Math.round((every * 3600) / stepSeconds);
  const out: { row: number; text: string }[] = [];
  for (let r = 0; r <= rows && stepRows > 0; r += stepRows) out.push({ row: r, text: label(r) });
  return out;
}
