// The rows an evaluation or a calibration reads from per-row columns: those a model scores. One
// series scores from its first full sample on; a pooled series (lib/data/runs.ts) also loses the
// first rows of every later run, which no window covers, and its kept rows are laid end to end,
// as if each run were scored on its own and the results pooled.
import { runSegments, type Series } from '../data/series';

export interface KeptRows {
  /** The first kept row (the column length when none is kept). */
  first: number;
  count: number;
  /** The kept rows of a per-row column of `width` values a row: a view when they are unbroken, else a copy. */
  rows<A extends Float32Array | Float64Array | Uint8Array>(a: A, width?: number): A;
  /** Row r's place among the kept rows (that of the first kept row at or after r). */
  position(r: number): number;
}

/** The rows with a score (not NaN). */
export function scoredRows(scores: ArrayLike<number>): number[] {
  const kept: number[] = [];
  for (let r = 0; r < scores.length; r++) if (!Number.isNaN(scores[r])) kept.push(r);
  return kept;
}

/** The rows whose window of `window` rows lies inside one run of `series`. */
export function windowRows(series: Series, window: number): number[] {
  const kept: number[] = [];
  for (const [begin, end] of runSegments(series)) for (let r = begin + window - 1; r < end; r++) kept.push(r);
  return kept;
}

/** `kept` (ascending rows of columns `total` long) as a KeptRows. */
export function keptRows(kept: number[], total: number): KeptRows {
  const first = kept.length ? kept[0] : total;
  const unbroken = kept.length === total - first;
  return {
    first,
    count: kept.length,
    rows<A extends Float32Array | Float64Array | Uint8Array>(a: A, width = 1): A {
      if (unbroken) return a.subarray(first * width) as A;
      const out = new (a.constructor as new (n: number) => A)(kept.length * width);
      kept.forEach((r, i) => out.set(a.subarray(r * width, (r + 1) * width), i * width));
      return out;
    },
    position(r: number): number {
      if (unbroken) return Math.max(0, r - first);
      let lo = 0, hi = kept.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (kept[mid] < r) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
  };
}
