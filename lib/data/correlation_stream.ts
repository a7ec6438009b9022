// The matrices of lib/data/correlation.ts from rows that arrive one at a time, for streaming
// detection: the same matrices as the batch samples, in O(n^2) per row and scale for
// 'inner-product' and 'pearson' instead of O(n^2 * w).
//
// Running sums per window length w, over the last w rows kept in a ring:
//   inner product  S_ij += x_i x_j - y_i y_j                    (x the new row, y the row leaving)
//   Pearson        centred: with a = x - m, b = y - m, delta = (x - y) / w,
//                  co_ij += a_i a_j - b_i b_j - w delta_i delta_j,  m += delta
//                  (Welford's add, co_ij += d_i d_j n / (n + 1), while the window fills)
// The centred form loses no precision to a large mean. Rounding still adds up over a long
// stream, so at every `refreshEvery`-th row (default 4096) the sums are recomputed from the window
// by the batch's own two-pass formula: the amortised cost stays O(n^2 (1 + w / refreshEvery)) per
// row, and the stream agrees with the batch to about 1e-12 on unit-scale rows (tests: 1e-9 over
// 100,000 rows). The Pearson ratio divides by the variances, so a channel whose deviation over
// the window is barely above the constant threshold (correlation_window.ts) gets the sums'
// rounding magnified. A channel whose last w values are identical gets its mean set to that value
// and its co-moments to 0, exactly as the batch computes them, so a stuck sensor is constant in
// both, and its sums carry no rounding into the rows after it moves again.
//
// 'student-t' has no running-sum form (each row's weight depends on the whole fit): each emitted
// matrix is a fresh fit of the window (correlation_student_t.ts, O(steps * w * n^2)), started from
// the previous one's fit (warm start). It reaches the batch's cold-start fixed point within the
// fit's tol, a few EM steps sooner.
import { checkMatrixSeriesSpec, matrixSeriesContext, matrixSide, measureOf, type CorrelationMeasure, type MatrixSeriesSpec } from './correlation';
import { fitStudentT, studentTOptions, writeStudentT, type StudentTFit, type StudentTOptions } from './correlation_student_t';
import { windowMoments, windowProducts, writeInnerProduct, writePearson } from './correlation_window';

export interface CorrelationStreamOptions {
  /** The running sums are recomputed from the window at every refreshEvery-th row (Infinity: never). Default 4096. */
  refreshEvery?: number;
}

/** The running sums of one window length. */
interface WindowSums {
  w: number;
  /** Rows in the window so far (w once full). */
  n: number;
  mean: Float64Array;
  /** Centred co-moments (Pearson) or raw products (inner product), upper triangle. */
  sums: Float64Array;
  fit?: StudentTFit;
}

/** Matrices over the last rows of a stream, one block of [scales, P, P] per row asked for. */
export class CorrelationStream {
  readonly measure: CorrelationMeasure;
  readonly scales: readonly number[];
  /** Side of each matrix (the padding included). */
  readonly side: number;
  /** Rows pushed so far. */
  rows = 0;
  /** EM iterations spent so far ('student-t'). */
  iterations = 0;
  private readonly ring: Float64Array;
  private readonly capacity: number;
  private readonly windows: WindowSums[];
  private readonly refreshEvery: number;
  private readonly studentT?: Required<StudentTOptions>;
  /** Per channel, how many rows up to the last one hold the same value. */
  private readonly run: Float64Array;

  constructor(readonly channels: number, spec: Pick<MatrixSeriesSpec, 'scales' | 'measure' | 'padTo' | 'studentT'>, options: CorrelationStreamOptions = {}) {
    checkMatrixSeriesSpec({ steps: 1, gap: 1, ...spec }, channels);
    const refresh = options.refreshEvery ?? 4096;
    if (!(refresh === Infinity || (Number.isInteger(refresh) && refresh >= 1)))
      throw new Error(`correlation stream: refreshEvery must be a positive integer or Infinity, got ${refresh}`);
    this.refreshEvery = refresh;
    this.measure = measureOf(spec);
    this.scales = [...spec.scales];
    this.side = matrixSide(spec, channels);
    if (this.measure === 'student-t') this.studentT = studentTOptions(spec.studentT);
    // Row t sits at slot t % capacity and again at slot + capacity, so the last w rows are always
    // contiguous; one slot more than the longest window keeps the row that leaves it.
    this.capacity = Math.max(...spec.scales) + 1;
    this.ring = new Float64Array(2 * this.capacity * channels);
    this.run = new Float64Array(channels);
    this.windows = this.scales.map((w) => ({ w, n: 0, mean: new Float64Array(channels), sums: new Float64Array(channels * channels) }));
  }

  /** Whether the row pushed last ends a full window of every length. */
  get ready(): boolean {
    return this.rows >= this.capacity - 1;
  }

  /**
   * Adds the next row. Returns the matrices of the windows ending at it ([scales, P, P], the
   * batch's layout), or null while some window is not full yet or when `emit` is false (the sums
   * are updated either way; 'student-t' fits only rows that emit).
   */
  push(row: ArrayLike<number>, emit = true): Float64Array | null {
    const C = this.channels;
    if (row.length !== C) throw new Error(`correlation stream: row ${this.rows} has ${row.length} values, expected ${C} channels`);
    const t = this.rows++;
    const slot = t % this.capacity, R = this.capacity;
    for (let i = 0; i < C; i++) this.ring[slot * C + i] = this.ring[(slot + R) * C + i] = row[i];
    const end = slot + R; // the ring index of row t, with the rows before it contiguous
    for (let i = 0; i < C; i++) this.run[i] = t > 0 && this.ring[end * C + i] === this.ring[(end - 1) * C + i] ? this.run[i] + 1 : 1;
    if (this.measure !== 'student-t') for (const s of this.windows) this.update(s, end);
    if (!emit || !this.ready) return null;
    const P = this.side, out = new Float64Array(this.windows.length * P * P);
    this.windows.forEach((s, k) => {
      const o = k * P * P;
      if (this.measure === 'pearson') writePearson(s.mean, s.sums, C, s.w, out, o, P);
      else if (this.measure === 'inner-product') writeInnerProduct(s.sums, C, s.w, out, o, P);
      else {
        s.fit = fitStudentT(this.ring, C, end, s.w, this.studentT!, s.fit, t);
        this.iterations += s.fit.iterations;
        writeStudentT(s.fit, C, out, o, P);
      }
    });
    return out;
  }

  /** Adds the row at ring index `end` to one window's sums, dropping the row that leaves it. */
  private update(s: WindowSums, end: number): void {
    const C = this.channels, x = this.ring, xo = end * C, { mean, sums, w } = s;
    const pearson = this.measure === 'pearson';
    if (s.n === w && this.rows % this.refreshEvery === 0) {
      if (pearson) windowMoments(x, C, end, w, mean, sums);
      else windowProducts(x, C, end, w, sums);
      return;
    }
    const full = s.n === w, yo = (end - w) * C;
    if (!pearson) {
      for (let i = 0; i < C; i++) {
        const xi = x[xo + i];
        if (full) {
          const yi = x[yo + i];
          for (let j = i; j < C; j++) sums[i * C + j] += xi * x[xo + j] - yi * x[yo + j];
        } else for (let j = i; j < C; j++) sums[i * C + j] += xi * x[xo + j];
      }
    } else if (!full) {
      // Welford: the window grows by one row.
      const n = s.n, d = new Float64Array(C);
      for (let i = 0; i < C; i++) {
        d[i] = x[xo + i] - mean[i];
        mean[i] += d[i] / (n + 1);
      }
      const f = n / (n + 1);
      for (let i = 0; i < C; i++) for (let j = i; j < C; j++) sums[i * C + j] += f * d[i] * d[j];
    } else {
      const a = new Float64Array(C), b = new Float64Array(C), delta = new Float64Array(C);
      for (let i = 0; i < C; i++) {
        a[i] = x[xo + i] - mean[i];
        b[i] = x[yo + i] - mean[i];
        delta[i] = (x[xo + i] - x[yo + i]) / w;
      }
      for (let i = 0; i < C; i++)
        for (let j = i; j < C; j++) sums[i * C + j] += a[i] * a[j] - b[i] * b[j] - w * delta[i] * delta[j];
      for (let i = 0; i < C; i++) mean[i] += delta[i];
    }
    if (!full) s.n++;
    if (pearson) this.anchorConstant(s, end);
  }

  /** Channels whose whole window holds one value: mean that value, co-moments 0 (the batch's exact result). */
  private anchorConstant(s: WindowSums, end: number): void {
    const C = this.channels;
    for (let i = 0; i < C; i++) {
      if (this.run[i] < s.w) continue;
      s.mean[i] = this.ring[end * C + i];
      for (let j = 0; j < C; j++) s.sums[Math.min(i, j) * C + Math.max(i, j)] = 0;
    }
  }
}

/**
 * Samples of a matrix series from rows one at a time: push returns the sample ending at the row
 * ([steps, scales, P, P], as MatrixSeries.batch gives it) at the rows MatrixSeries ends one
 * (context - 1, then every `stride` rows), else null. Only the matrices some sample needs are
 * computed.
 */
export class MatrixSeriesStream {
  readonly context: number;
  readonly sampleShape: number[];
  readonly matrices: CorrelationStream;
  private readonly kept = new Map<number, Float64Array>();

  constructor(channels: number, readonly spec: MatrixSeriesSpec, readonly stride = 1, options: CorrelationStreamOptions = {}) {
    checkMatrixSeriesSpec(spec, channels);
    if (!(Number.isInteger(stride) && stride >= 1)) throw new Error(`sample stride must be a positive integer, not ${stride}`);
    this.context = matrixSeriesContext(spec);
    this.matrices = new CorrelationStream(channels, spec, options);
    const P = this.matrices.side;
    this.sampleShape = [spec.steps, spec.scales.length, P, P];
  }

  /** Whether a sample ends at row e. */
  private endsSample(e: number): boolean {
    return e >= this.context - 1 && (e - (this.context - 1)) % this.stride === 0;
  }

  push(row: ArrayLike<number>): Float32Array | null {
    const { steps, gap } = this.spec;
    const t = this.matrices.rows;
    let needed = false;
    for (let k = 0; k < steps && !needed; k++) needed = this.endsSample(t + k * gap);
    const m = this.matrices.push(row, needed);
    if (m) this.kept.set(t, m);
    const oldest = t - (steps - 1) * gap;
    for (const r of this.kept.keys()) {
      if (r >= oldest) break;
      this.kept.delete(r);
    }
    if (!this.endsSample(t)) return null;
    const block = m!.length, out = new Float32Array(steps * block);
    for (let k = 0; k < steps; k++) out.set(this.kept.get(t - (steps - 1 - k) * gap)!, k * block);
    return out;
  }
}
