// The matrix series a matrix-series model reads, from what it is handed: matrix series
// [B, T, S, P, P] as they are, or windows of scaled rows [B, context, C] (what an exported
// detector and `vigil export --verify` hand it), each window becoming the one sample that ends at
// its last row exactly as MatrixSeries builds it from a whole series (host code, inference only).
import { Tensor } from '../tensor';
import { MatrixSeries, matrixSeriesContext, matrixSide, type MatrixSeriesSpec } from './correlation';

/** Windows [B, context, C] (row-major) -> their matrix series [B, steps, scales, P, P] (row-major). */
export function matricesOfWindows(rows: Float32Array, batch: number, channels: number, spec: MatrixSeriesSpec): Float32Array {
  const L = matrixSeriesContext(spec), P = matrixSide(spec, channels);
  if (rows.length !== batch * L * channels)
    throw new Error(`matricesOfWindows: ${rows.length} values are not ${batch} windows of ${L} rows x ${channels} channels`);
  const size = spec.steps * spec.scales.length * P * P;
  const out = new Float32Array(batch * size);
  const columns = Array.from({ length: channels }, (_, i) => `c${i}`);
  for (let b = 0; b < batch; b++) {
    const m = new MatrixSeries({ columns, data: rows.subarray(b * L * channels, (b + 1) * L * channels), rows: L }, spec);
    out.set(m.batch([0]), b * size);
  }
  return out;
}

/**
 * x itself when it is matrix series [B, steps, scales, P, P] of `spec`; the matrix series of x
 * when it is windows of rows [B, context, channels]; else an error naming `who` and both shapes.
 */
export function matrixSeriesOf(x: Tensor, channels: number, spec: MatrixSeriesSpec, who: string): Tensor {
  const P = matrixSide(spec, channels), L = matrixSeriesContext(spec);
  const want = [spec.steps, spec.scales.length, P, P];
  if (x.ndim === 5 && want.every((d, i) => x.shape[i + 1] === d)) return x;
  if (x.ndim === 3 && x.shape[1] === L && x.shape[2] === channels)
    return Tensor.fromArray(matricesOfWindows(Float32Array.from(x.toArray()), x.shape[0], channels, spec), [x.shape[0], ...want]);
  throw new Error(`${who}: input must be matrix series [batch, ${want.join(', ')}] or windows of rows [batch, ${L}, ${channels}], got [${x.shape.join(',')}]`);
}
