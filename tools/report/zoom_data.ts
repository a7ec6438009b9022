// The data the page's zoom script (zoom_script.ts) redraws from, embedded in the page as JSON:
// every zoomable plot's values, cut to at most MAX_POINTS min/max pairs (a zoom into fewer rows
// than that shows every row; beyond it, one pair per `every` rows, so a spike stays visible;
// NaN never compares, so a point of NaN rows stays null),
// its alarm runs, and the row times at the same step, so axes and tooltips can name times.
import type { Segment } from '../../lib/eval/events';
import { ALARM_STRIP, MARGIN } from './svg';
import type { TimeZone } from './time';

/** Stored points per plot: about 1 MB of JSON for 20 plots; 4x a plot's pixel width. */
export const MAX_POINTS = 4000;

export interface ZoomPlot {
  values: ArrayLike<number>;
  alarms?: Segment[];
}

export interface ZoomData {
  rows: number;
  /** Rows per stored point. */
  every: number;
  /** ms since the epoch of rows 0, every, 2 every, ...; null without timestamps. */
  times: number[] | null;
  /** ms per row past the last stored time (the mean step). */
  stepMs: number | null;
  zone: TimeZone | null;
  /** Seconds per row, for hour labels when there are no timestamps. */
  stepSeconds: number | null;
  margin: typeof MARGIN;
  strip: number;
  /** Per plot: min and max per stored point (null: no finite value), and its alarm runs. */
  plots: { min: (number | null)[]; max: (number | null)[]; alarms: [number, number][] | null }[];
}

const short = (v: number): number | null => (Number.isFinite(v) ? Number(v.toPrecision(5)) : null);

export function zoomData(rows: number, plots: ZoomPlot[], time: { timestamps?: ArrayLike<number>; zone?: TimeZone; stepSeconds?: number }): ZoomData {
  const every = Math.max(1, Math.ceil(rows / MAX_POINTS));
  const points = Math.ceil(rows / every);
  const t = time.timestamps;
  const times = t && t.length === rows ? Array.from({ length: points }, (_, i) => t[i * every]) : null;
  return {
    rows, every, times,
    stepMs: t && t.length > 1 ? (t[t.length - 1] - t[0]) / (t.length - 1) : null,
    zone: times ? time.zone ?? null : null,
    stepSeconds: time.stepSeconds ?? null,
    margin: MARGIN, strip: ALARM_STRIP,
    plots: plots.map((p) => {
      if (p.values.length !== rows) throw new Error(`zoomData: a plot of ${p.values.length} values for ${rows} rows`);
      const min: (number | null)[] = [], max: (number | null)[] = [];
      for (let i = 0; i < points; i++) {
        let lo = Infinity, hi = -Infinity;
        for (let r = i * every; r < Math.min(rows, (i + 1) * every); r++) {
          const v = p.values[r];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        min.push(short(lo)), max.push(short(hi));
      }
      return { min, max, alarms: p.alarms ? p.alarms.map((s) => [s.start, s.end] as [number, number]) : null };
    }),
  };
}

/** The JSON as a <script type="application/json"> element (a "</" inside cannot end it). */
export function zoomDataElement(d: ZoomData): string {
  return `<script type="application/json" id="vigil-plot-data">${JSON.stringify(d).replace(/</g, '\\u003c')}</script>`;
}
