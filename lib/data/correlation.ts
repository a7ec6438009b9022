// Series of correlation matrices, the input of the matrix-series models (STAEAD, Sa-DVCRAE,
// 3Da-CVAE). For the window of the w rows ending at row t, channel pair (i, j), `measure` says
// what the matrix holds:
//   'inner-product' (default)  M[i][j] = sum_{d=0}^{w-1} x_i(t - d) * x_j(t - d) / w
//                              (the MSCRED signature matrix, on already scaled rows)
//   'pearson'                  the Pearson correlation of x_i and x_j over the window
//   'student-t'                the correlation of a multivariate Student-t fitted to the window
//                              (robust to outlying rows; lib/data/correlation_student_t.ts)
// A channel constant over the window has correlation 0 with every other channel and 1 with
// itself (lib/data/correlation_window.ts). A sample ending at row r is `steps` such matrices, the
// k-th ending at row r - (steps - 1 - k) * gap, each at every window length of `scales`, each
// zero-padded to padTo x padTo (matrix in the bottom-right corner): shape
// [steps, scales, P, P]. A sample spans context = (steps - 1) * gap + max(scales) rows, so the
// first context - 1 rows of a series end no sample. A matrix never reads a row after its end row.
//
// Each sample is computed from its own rows (the Student-t fit starts cold), so a sample does not
// depend on which others are in the batch. lib/data/correlation_stream.ts gives the same
// matrices row by row, from running sums.
import { fitStudentT, studentTOptions, writeStudentT, type StudentTOptions } from './correlation_student_t';
import { windowMoments, windowProducts, writeInnerProduct, writePearson, type Matrix } from './correlation_window';
import { EndingSamples, endRowsFrom } from './ending_samples';
import type { Series } from './series';

export type CorrelationMeasure = 'inner-product' | 'pearson' | 'student-t';
export const CORRELATION_MEASURES: readonly CorrelationMeasure[] = ['inner-product', 'pearson', 'student-t'];

export interface MatrixSeriesSpec {
  /** Matrices per sample (the recurrent model's sequence length). */
  steps: number;
  /** Rows between the end rows of consecutive matrices. */
  gap: number;
  /** Window lengths each matrix is computed over (one channel of the sample per length). */
  scales: number[];
  /** What each matrix holds; default 'inner-product'. */
  measure?: CorrelationMeasure;
  /** Side of each matrix after zero padding (rows on top, columns on the left); default the channel count. */
  padTo?: number;
  /** The Student-t fit's settings (measure 'student-t' only; defaults in STUDENT_T_DEFAULTS). */
  studentT?: StudentTOptions;
}

/** Checks a spec; with `channels`, also that padTo fits them. Errors name the option and its value. */
export function checkMatrixSeriesSpec(spec: MatrixSeriesSpec, channels?: number): void {
  const posInt = (v: number) => Number.isInteger(v) && v >= 1;
  if (!posInt(spec.steps) || !posInt(spec.gap) || !spec.scales.length || !spec.scales.every(posInt))
    throw new Error(`matrix series: steps, gap and every scale must be positive integers, got steps ${spec.steps}, gap ${spec.gap}, scales [${spec.scales.join(',')}]`);
  const measure = measureOf(spec);
  if (!CORRELATION_MEASURES.includes(measure))
    throw new Error(`matrix series: measure must be one of ${CORRELATION_MEASURES.map((m) => `'${m}'`).join(', ')}, got '${measure}'`);
  if (measure !== 'inner-product') {
    const short = spec.scales.find((w) => w < 2);
    if (short !== undefined) throw new Error(`matrix series: scale ${short} is too short for measure '${measure}': a correlation needs windows of at least 2 rows`);
  }
  if (spec.studentT !== undefined) {
    if (measure !== 'student-t') throw new Error(`matrix series: studentT options apply to measure 'student-t' only, and the measure is '${measure}'`);
    studentTOptions(spec.studentT);
  }
  if (spec.padTo !== undefined) {
    if (!posInt(spec.padTo)) throw new Error(`matrix series: padTo must be a positive integer, got ${spec.padTo}`);
    if (channels !== undefined && spec.padTo < channels)
      throw new Error(`matrix series: padTo ${spec.padTo} is smaller than the ${channels} channels (padding only adds rows and columns)`);
  }
}

export function measureOf(spec: Pick<MatrixSeriesSpec, 'measure'>): CorrelationMeasure {
  return spec.measure ?? 'inner-product';
}

/** Rows one sample spans. */
export function matrixSeriesContext(spec: MatrixSeriesSpec): number {
  return (spec.steps - 1) * spec.gap + Math.max(...spec.scales);
}

/** The side of the matrices of `spec` over `channels` channels. */
export function matrixSide(spec: Pick<MatrixSeriesSpec, 'padTo'>, channels: number): number {
  return spec.padTo ?? channels;
}

/**
 * The matrix of the w rows ending at row `end` of x ([rows, C] row-major), computed directly, into
 * out[offset .. offset + P*P) as a padded P x P block.
 */
export function windowMatrix(
  x: ArrayLike<number>, C: number, end: number, w: number,
  spec: Pick<MatrixSeriesSpec, 'measure' | 'studentT'>, out: Matrix, offset: number, P = C,
): void {
  const measure = measureOf(spec);
  if (measure === 'student-t') {
    writeStudentT(fitStudentT(x, C, end, w, studentTOptions(spec.studentT)), C, out, offset, P);
  } else if (measure === 'pearson') {
    const mean = new Float64Array(C), co = new Float64Array(C * C);
    windowMoments(x, C, end, w, mean, co);
    writePearson(mean, co, C, w, out, offset, P);
  } else {
    const acc = new Float64Array(C * C);
    windowProducts(x, C, end, w, acc);
    writeInnerProduct(acc, C, w, out, offset, P);
  }
}

/** The signature (inner-product) matrix of the w rows ending at row `end` into out[offset .. offset + C*C). */
export function signatureMatrix(series: Series, end: number, w: number, out: Float32Array, offset: number): void {
  windowMatrix(series.data, series.columns.length, end, w, {}, out, offset);
}

/** Samples of matrix series over a series, one ending every `stride` rows from the first full context. */
export class MatrixSeries extends EndingSamples {
  readonly length: number;
  readonly sampleShape: number[];

  constructor(series: Series, readonly spec: MatrixSeriesSpec, stride = 1) {
    const C = series.columns.length;
    checkMatrixSeriesSpec(spec, C);
    const length = matrixSeriesContext(spec);
    super(series, endRowsFrom(length - 1, series.rows, stride));
    this.length = length;
    const P = matrixSide(spec, C);
    this.sampleShape = [spec.steps, spec.scales.length, P, P];
  }

  batch(indices: ArrayLike<number>): Float32Array {
    const { steps, gap, scales } = this.spec;
    const C = this.channels, P = this.sampleShape[2];
    return this.gather(indices, steps * scales.length * P * P, (last, out, offset) => {
      let o = offset;
      for (let k = 0; k < steps; k++) {
        const end = last - (steps - 1 - k) * gap;
        for (const w of scales) {
          windowMatrix(this.series.data, C, end, w, this.spec, out, o, P);
          o += P * P;
        }
      }
    });
  }
}
