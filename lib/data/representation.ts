// What a model reads, built from scaled rows: windows of rows, a series of correlation matrices,
// or single rows. Every representation gives samples that END at a row, so a row's score is that
// of the sample ending at it (the detector only looks back), and says how many rows a sample
// spans (its context: rows before the first full context get no score).
import { MatrixSeries, matrixSeriesContext, type MatrixSeriesSpec } from './correlation';
import { EndingSamples, endRowsFrom } from './ending_samples';
import { runSegments, type Series } from './series';
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
class RowSamples extends EndingSamples implements Samples {
  readonly length = 1;
  readonly sampleShape: number[];

  constructor(series: Series, stride: number) {
    super(series, endRowsFrom(0, series.rows, stride));
    this.sampleShape = [series.columns.length];
  }

  batch(indices: ArrayLike<number>): Float32Array {
    const C = this.channels;
    return this.gather(indices, C, (end, out, offset) => out.set(this.series.data.subarray(end * C, (end + 1) * C), offset));
  }
}

/** Rows one sample of `spec` spans. */
export function contextRows(spec: InputSpec): number {
  if (spec.kind === 'windows') return spec.length;
  if (spec.kind === 'rows') return 1;
  return matrixSeriesContext(spec);
}

/**
 * The samples of `spec` over a (scaled) series, one ending every `stride` rows; windows of a
 * pooled series stay inside its runs (runs.ts).
 */
export function samplesOf(spec: InputSpec, series: Series, stride = 1): Samples {
  if (spec.kind === 'windows') return new Windows(series, { length: spec.length, stride, segments: runSegments(series) });
  if (spec.kind === 'rows') return new RowSamples(series, stride);
  return new MatrixSeries(series, spec, stride);
}
