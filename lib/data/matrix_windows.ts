// The matrix series of windows of scaled rows: what a matrix-series model does with the windows
// of rows an exported detector and `vigil export --verify` hand it (host code, inference only).
// Each window of `matrixSeriesContext(spec)` rows becomes the one sample that ends at its last
// row, exactly as MatrixSeries builds it from a whole series.
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
