// Sliding windows over a Series as views: a Windows holds the series and the start row of each
// window (an Int32Array), nothing else; `batch` copies only the windows asked for into one
// [n, T, F] Float32Array. Window i covers rows [start(i), start(i) + length) and ends at
// endRow(i) = start(i) + length - 1: a point's score comes from the window that ends at it
// (indexEndingAt(row)), so the first length - 1 rows of a segment get no window of their own.
import { DataError } from './errors';
import { sliceRows, type Series } from './series';

export interface WindowOptions {
  /** Rows per window (T). */
  length: number;
  /** Rows between consecutive window starts. Default 1. */
  stride?: number;
  /**
   * Row ranges [begin, end) that windows must stay inside, e.g. the files of a concatenated
   * series (no window spans a gap between recordings). Default: the whole series.
   */
  segments?: ReadonlyArray<readonly [number, number]>;
  /**
   * With stride > 1 the last rows of a segment may end no window; true adds one more window
   * ending at the segment's last row. Default false.
   */
  coverTail?: boolean;
}

export class Windows {
  readonly series: Series;
  readonly length: number;
  readonly stride: number;
  /** Start row of each window, ascending. */
  readonly starts: Int32Array;

  constructor(series: Series, opts: WindowOptions) {
    const { length, stride = 1 } = opts;
    if (!Number.isInteger(length) || length < 1) throw new Error(`window length must be a positive integer, not ${length}`);
    if (!Number.isInteger(stride) || stride < 1) throw new Error(`window stride must be a positive integer, not ${stride}`);
    const segments = opts.segments ?? [[0, series.rows]];
    const starts: number[] = [];
    let last = 0;
    for (const [begin, end] of segments) {
      if (!(Number.isInteger(begin) && Number.isInteger(end) && 0 <= begin && begin <= end && end <= series.rows) || begin < last) {
        throw new Error(`window segment [${begin}, ${end}) is not an ascending, non-overlapping range of the ${series.rows} rows`);
      }
      last = end;
      let s = begin;
      for (; s + length <= end; s += stride) starts.push(s);
      if (opts.coverTail && end - length >= begin && starts[starts.length - 1] !== end - length) starts.push(end - length);
    }
    this.series = series;
    this.length = length;
    this.stride = stride;
    this.starts = Int32Array.from(starts);
  }

  get count(): number {
    return this.starts.length;
  }

  get channels(): number {
    return this.series.columns.length;
  }

  /** One window's shape, [length, channels]. */
  get sampleShape(): number[] {
    return [this.length, this.channels];
  }

  startRow(i: number): number {
    return this.starts[i];
  }

  endRow(i: number): number {
    return this.starts[i] + this.length - 1;
  }

  /** The end row of every window. */
  endRows(): Int32Array {
    return this.starts.map((s) => s + this.length - 1);
  }

  /** Index of the window ending at `row`, or -1 when none does. */
  indexEndingAt(row: number): number {
    const start = row - this.length + 1;
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.starts[mid];
      if (s === start) return mid;
      if (s < start) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Windows `indices` as one row-major [n, T, F] array (into `out` when given). */
  batch(indices: ArrayLike<number>, out?: Float32Array): Float32Array {
    const F = this.channels;
    const T = this.length;
    const size = T * F;
    const n = indices.length;
    if (out && out.length < n * size) throw new Error(`batch: out holds ${out.length} values, ${n} windows of [${T}, ${F}] need ${n * size}`);
    const dst = out ?? new Float32Array(n * size);
    const data = this.series.data;
    for (let j = 0; j < n; j++) {
      const i = indices[j];
      if (!(i >= 0 && i < this.starts.length) || !Number.isInteger(i)) throw new Error(`batch: window index ${i} is out of range [0, ${this.starts.length})`);
      const from = this.starts[i] * F;
      dst.set(data.subarray(from, from + size), j * size);
    }
    return dst;
  }

  /** The label of each window's end row (undefined when the series has no labels). */
  endLabels(): Uint8Array | undefined {
    const labels = this.series.labels;
    if (!labels) return undefined;
    return Uint8Array.from(this.starts, (s) => labels[s + this.length - 1]);
  }
}

/**
 * Splits a series in time order: the last `validationFraction` of the rows (rounded) is the
 * validation part, the rest the training part. Both are views of the same buffers. Windows
 * built on each part separately never cross the split; `boundary` is the first validation
 * row in the original series.
 */
export function timeSplit(series: Series, validationFraction: number): { train: Series; validation: Series; boundary: number } {
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new Error(`validation fraction must be in [0, 1), not ${validationFraction}`);
  }
  const boundary = series.rows - Math.round(series.rows * validationFraction);
  if (boundary === 0) throw new DataError(`a validation fraction of ${validationFraction} leaves no training rows out of ${series.rows}`, { file: series.source });
  return { train: sliceRows(series, 0, boundary), validation: sliceRows(series, boundary, series.rows), boundary };
}
