// What a model reads, built from scaled rows: windows of rows, a series of correlation matrices,
// or single rows. Every representation gives samples that END at a row, so a row's score is that
// of the sample ending at it (the detector only looks back), and says how many rows a sample
// spans (its context: rows before the first full context get no score).
import { MatrixSeries, matrixSeriesContext, type MatrixSeriesSpec } from './correlation';
import type { Series } from './series';
import { Windows } from './windows';

export type InputSpec =
  | { kind: 'windows'; length: number }
  | ({ kind: 'matrix-series' } & MatrixSeriesSpec)
  | { kind: 'rows' };

export type InputKind = InputSpec['kind'];

/** Samples ending at rows of one series: what training, scoring and calibration read. */
export interface Samples {
  readonly count: number;
  /** Rows one sample spans (its context); a window's length. */
  readonly length: number;
  /** Channels of the series (the width of per-channel errors). */
  readonly channels: number;
  /** One sample's shape: [length, channels] for windows. */
  readonly sampleShape: readonly number[];
  /** Samples `indices` as one row-major [n, ...sampleShape] array. */
  batch(indices: ArrayLike<number>): Float32Array;
  /** The row sample i ends at (inclusive). */
  endRow(i: number): number;
}

/** Each row is a sample of shape [channels]. */
class RowSamples implements Samples {
  readonly length = 1;
  readonly sampleShape: number[];
  private readonly ends: Int32Array;

  constructor(readonly series: Series, stride: number) {
    this.sampleShape = [series.columns.length];
    this.ends = Int32Array.from({ length: Math.ceil(series.rows / stride) }, (_, i) => i * stride);
  }
  get count(): number {
    return this.ends.length;
  }
  get channels(): number {
    return this.series.columns.length;
  }
  endRow(i: number): number {
    return this.ends[i];
  }
  batch(indices: ArrayLike<number>): Float32Array {
    const C = this.channels;
    const out = new Float32Array(indices.length * C);
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      if (!(Number.isInteger(i) && i >= 0 && i < this.ends.length)) throw new Error(`batch: row index ${i} is out of range [0, ${this.ends.length})`);
      out.set(this.series.data.subarray(this.ends[i] * C, (this.ends[i] + 1) * C), j * C);
    }
    return out;
  }
}

/** Rows one sample of `spec` spans. */
export function contextRows(spec: InputSpec): number {
  if (spec.kind === 'windows') return spec.length;
  if (spec.kind === 'rows') return 1;
  return matrixSeriesContext(spec);
}

/** The samples of `spec` over a (scaled) series, one ending every `stride` rows. */
export function samplesOf(spec: InputSpec, series: Series, stride = 1): Samples {
  if (spec.kind === 'windows') return new Windows(series, { length: spec.length, stride });
  if (spec.kind === 'rows') {
    if (!Number.isInteger(stride) || stride < 1) throw new Error(`row stride must be a positive integer, not ${stride}`);
    return new RowSamples(series, stride);
  }
  return new MatrixSeries(series, spec, stride);
}
