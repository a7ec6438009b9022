// The decoder variance of the reconstruction probability (probability.ts, decoderVariance
// 'estimated'): after training, each real cell e = (t, s, i, j) of a sample gets
//   sigma_e^2 = max( (1/N) sum_n (x_ne - x^_ne)^2,  FLOOR * mean_e of those ),   x^_n = D(z_n), z_n ~ q(z|x_n)
// over the N training samples, one draw z_n each (eval mode: no dropout) from the model's own
// generator. A draw rather than z_mean: the score decodes draws, and for a Gaussian decoder the
// variance that maximises E_q[log N(x; D(z), sigma^2)] over the data is E_q of the squared residual.
// This is the maximum-likelihood variance of An & Cho's Gaussian decoder with the network fixed,
// not a learned output: the architecture stays the seed's. The floor keeps a cell that training
// reconstructed almost exactly (a Pearson diagonal) from turning a tiny deviation into a huge score.
import { noGrad } from '../../lib/autograd/grad_mode';
import { reparamSample, square, sub } from '../../lib/ops';
import { tidy } from '../../lib/tensor';
import type { FitData } from '../../lib/train/data';
import type { SaDvcrae } from './model';
import { realCells } from './score';

/** A cell's variance is at least this fraction of the mean over cells. */
export const VARIANCE_FLOOR = 1e-3;

/** Per real cell [T, S, C, C] (row-major), the floored mean squared residual of the training samples; sets the model's buffer. */
export function estimateDecoderVariance(model: SaDvcrae, data: FitData, batchSize = 64): Float64Array {
  const buffer = model.decoderVariance;
  if (!buffer) throw new Error("sa-dvcrae: the model has no decoder variance to estimate (it needs scoreBy 'probability' and decoderVariance 'estimated')");
  if (!(data.trainCount >= 1)) throw new Error('sa-dvcrae: no training samples to estimate the decoder variance from');
  const sums = new Float64Array(buffer.size);
  const wasTraining = model.training;
  model.eval();
  try {
    for (let b0 = 0; b0 < data.trainCount; b0 += batchSize) {
      const idx = Array.from({ length: Math.min(batchSize, data.trainCount - b0) }, (_, i) => b0 + i);
      const sq = noGrad(() => tidy(() => {
        const x = data.batch('train', idx);
        const m = model.matrices(x.device === model.device ? x : x.to(model.device));
        const { zMean, zLogVar } = model.encode(m);
        const recon = model.decode(reparamSample(zMean, zLogVar, model.gen));
        return square(realCells(sub(m, recon), 'mean', model.config.inputs)).toArray();  // [B, T, S, C, C]
      }));
      for (let i = 0; i < sq.length; i++) sums[i % sums.length] += sq[i];
    }
  } finally {
    model.train(wasTraining);
  }
  const variance = flooredVariance(sums, data.trainCount);
  buffer.assign(Float32Array.from(variance));
  return variance;
}

/** sums / n per cell, each at least VARIANCE_FLOOR times their mean (and above 0). */
export function flooredVariance(sums: Float64Array, n: number): Float64Array {
  const v = sums.map((s) => s / n);
  const floor = Math.max(VARIANCE_FLOOR * v.reduce((a, b) => a + b, 0) / v.length, 1e-30);  // above 0 in float32 too
  return v.map((s) => Math.max(s, floor));
}
