// The bookkeeping every representation shares (lib/data/representation.ts): samples of one
// series, each ending at a known row, fetched by index into one row-major batch.
import type { Series } from './series';

export abstract class EndingSamples {
  protected constructor(readonly series: Series, protected readonly ends: Int32Array) {}

  get count(): number {
    return this.ends.length;
  }

  get channels(): number {
    return this.series.columns.length;
  }

  /** The row sample i ends at (inclusive). */
  endRow(i: number): number {
    return this.ends[i];
  }

  /** Samples `indices` as one row-major [n, ...per] array, each written by fill(end row, out, offset). */
  protected gather(indices: ArrayLike<number>, per: number, fill: (end: number, out: Float32Array, offset: number) => void): Float32Array {
    const out = new Float32Array(indices.length * per);
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      if (!(Number.isInteger(i) && i >= 0 && i < this.ends.length)) throw new Error(`batch: sample index ${i} is out of range [0, ${this.ends.length})`);
      fill(this.ends[i], out, j * per);
    }
    return out;
  }
}

/** End rows first, first + stride, ... up to the series' last row. */
export function endRowsFrom(first: number, rows: number, stride: number): Int32Array {
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`sample stride must be a positive integer, not ${stride}`);
  const ends: number[] = [];
  for (let r = first; r < rows; r += stride) ends.push(r);
  return Int32Array.from(ends);
}
