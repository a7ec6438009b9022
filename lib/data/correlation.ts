// Series of correlation (signature) matrices, the input of the matrix-series models (STAEAD,
// Sa-DVCRAE, 3Da-CVAE). For a window of w rows ending at row t, channel pair (i, j):
//   M[i][j] = sum_{d=0}^{w-1} x_i(t - d) * x_j(t - d) / w
// (the MSCRED signature matrix, on already scaled rows). A sample ending at row r is `steps`
// such matrices, the k-th ending at row r - (steps - 1 - k) * gap, each at every window length
// of `scales`: shape [steps, scales, C, C]. A sample spans context = (steps - 1) * gap +
// max(scales) rows, so the first context - 1 rows of a series end no sample.
import { EndingSamples, endRowsFrom } from './ending_samples';
import type { Series } from './series';

export interface MatrixSeriesSpec {
  /** Matrices per sample (the recurrent model's sequence length). */
  steps: number;
  /** Rows between the end rows of consecutive matrices. */
  gap: number;
  /** Window lengths each matrix is computed over (one channel of the sample per length). */
  scales: number[];
}

export function checkMatrixSeriesSpec(spec: MatrixSeriesSpec): void {
  const posInt = (v: number) => Number.isInteger(v) && v >= 1;
  if (!posInt(spec.steps) || !posInt(spec.gap) || !spec.scales.length || !spec.scales.every(posInt))
    throw new Error(`matrix series: steps, gap and every scale must be positive integers, got steps ${spec.steps}, gap ${spec.gap}, scales [${spec.scales.join(',')}]`);
}

/** Rows one sample spans. */
export function matrixSeriesContext(spec: MatrixSeriesSpec): number {
  return (spec.steps - 1) * spec.gap + Math.max(...spec.scales);
}

/** The signature matrix of the w rows ending at row `end` into out[offset .. offset + C*C). */
export function signatureMatrix(series: Series, end: number, w: number, out: Float32Array, offset: number): void {
  const C = series.columns.length, x = series.data;
  const acc = new Float64Array(C * C);
  for (let r = end - w + 1; r <= end; r++) {
    const row = r * C;
    for (let i = 0; i < C; i++) {
      const xi = x[row + i];
      for (let j = i; j < C; j++) acc[i * C + j] += xi * x[row + j];
    }
  }
  for (let i = 0; i < C; i++)
    for (let j = i; j < C; j++) out[offset + i * C + j] = out[offset + j * C + i] = acc[i * C + j] / w;
}

/** Samples of matrix series over a series, one ending every `stride` rows from the first full context. */
export class MatrixSeries extends EndingSamples {
  readonly length: number;
  readonly sampleShape: number[];

  constructor(series: Series, readonly spec: MatrixSeriesSpec, stride = 1) {
    checkMatrixSeriesSpec(spec);
    const length = matrixSeriesContext(spec);
    super(series, endRowsFrom(length - 1, series.rows, stride));
    this.length = length;
    const C = series.columns.length;
    this.sampleShape = [spec.steps, spec.scales.length, C, C];
  }

  batch(indices: ArrayLike<number>): Float32Array {
    const { steps, gap, scales } = this.spec;
    const C = this.channels;
    return this.gather(indices, steps * scales.length * C * C, (last, out, offset) => {
      let o = offset;
      for (let k = 0; k < steps; k++) {
        const end = last - (steps - 1 - k) * gap;
        for (const w of scales) {
          signatureMatrix(this.series, end, w, out, o);
          o += C * C;
        }
      }
    });
  }
}
