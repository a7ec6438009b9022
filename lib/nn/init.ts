// Weight initialisers drawing from a seeded Generator (so a seed fixes a model's initial
// weights).
import { Generator, defaultGenerator } from '../random';
import { Tensor } from '../tensor';

/** U(-bound, bound): PyTorch's default for Linear, LSTM and Conv (bound = 1/sqrt(fan)). */
export function uniformInit(shape: number[], bound: number, gen: Generator = defaultGenerator()): Tensor {
  return gen.uniform(shape, -bound, bound);
}

/** Glorot/Xavier uniform (Keras's default kernel init): bound = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(shape: number[], fanIn: number, fanOut: number, gen: Generator = defaultGenerator()): Tensor {
  return uniformInit(shape, Math.sqrt(6 / (fanIn + fanOut)), gen);
}

/**
 * Orthogonal init (Keras's default recurrent init): a [rows, cols] matrix (by default shape's
 * first dim by the product of the rest; `rows` may group several leading rows, e.g. one row per
 * branch of a depthwise kernel) with orthonormal rows when rows <= cols, else orthonormal columns,
 * from Gram-Schmidt on standard normal draws (a QR with the signs fixed, so the draw is uniform
 * over the orthogonal matrices), laid out row-major in `shape`.
 */
export function orthogonalInit(shape: number[], gen: Generator = defaultGenerator(), rows = shape[0]): Tensor {
  const total = shape.reduce((a, b) => a * b, 1);
  if (!(rows > 0 && total % rows === 0)) throw new Error(`orthogonalInit: ${rows} rows do not divide a [${shape.join(',')}] tensor`);
  const cols = total / rows;
  const n = Math.min(rows, cols), len = Math.max(rows, cols);
  const draw = gen.normal([n, len], 0, 1, { dtype: 'float64' });
  const v = Float64Array.from(draw.toArray());
  draw.dispose();
  for (let i = 0; i < n; i++) {  // modified Gram-Schmidt over the n vectors of length len
    const vi = v.subarray(i * len, (i + 1) * len);
    for (let j = 0; j < i; j++) {
      const vj = v.subarray(j * len, (j + 1) * len);
      let dot = 0;
      for (let k = 0; k < len; k++) dot += vi[k] * vj[k];
      for (let k = 0; k < len; k++) vi[k] -= dot * vj[k];
    }
    let norm = 0;
    for (let k = 0; k < len; k++) norm += vi[k] * vi[k];
    norm = Math.sqrt(norm);
    for (let k = 0; k < len; k++) vi[k] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < len; k++)
      if (rows <= cols) out[i * cols + k] = v[i * len + k];
      else out[k * cols + i] = v[i * len + k];
  return Tensor.fromArray(out, shape);
}
