// Sa-DVCRAE's reconstruction probability (An & Cho 2015; the seed's intended score, broken in
// its code: reference/seed-models.md section 0.5) as an anomaly score:
//   log RP(x) = log (1/L) sum_l N(x; x^(z_l), diag sigma^2),   z_l = mu(x) + exp(log var(x) / 2) eps_l
//   score     = -log RP(x)  ('last': the last matrix's cells; 'mean': all T matrices' cells, / T)
// over the real cells of the matrices only (the padding never counts). sigma^2 is 1 ('unit', the
// seed's intent) or the per-cell variance of the training residuals (variance.ts).
// eps_l [L, latent] are fixed standard-normal draws of the config's latentSeed, the same for
// every sample (common random numbers): a window's score is a function of that window alone, so
// a batch of any size, the stream and the ONNX graph (which holds eps as a constant) agree.
// log N sums thousands of terms (6,400 cells in the seed), so N itself underflows: the mean over
// l is a log-mean-exp in float64 (lib/logsumexp.ts).
import { logMeanExp } from '../../lib/logsumexp';
import { add, exp, mul, reshape, slice, square, sub, sum, unsqueeze } from '../../lib/ops';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor';
import { realCells, type MatrixScore } from './score';

/**
 * What the score reads of the model, written structurally so that this file need not import
 * model.ts (which imports this one).
 */
export interface ProbabilityModel {
  readonly config: {
    score: MatrixScore; steps: number; scales: readonly unknown[]; inputs: number;
    latent: number; latentSamples: number; latentSeed: number;
  };
  readonly decoderVariance: Tensor | null;
  matrices(x: Tensor): Tensor;
  encode(m: Tensor): { zMean: Tensor; zLogVar: Tensor };
  decode(z: Tensor): Tensor;
}

/** A sample's score: -log of the reconstruction probability, or the residual's Frobenius norm (score.ts). */
export type ScoreBy = 'error' | 'probability';
/** The decoder's Gaussian variance: 1 everywhere, or each real cell's training residual variance. */
export type DecoderVariance = 'unit' | 'estimated';

/** Decoder passes per chunk (samples x draws): bounds the memory of L decodes per sample. */
const DECODES_PER_CHUNK = 256;

/** The fixed draws eps [L, latent] of a seed, on `device`. */
export function latentDraws(seed: number, L: number, latent: number, device: Tensor['device'] = 'cpu'): Tensor {
  const eps = new Generator(seed).normal([L, latent]);
  return device === 'cpu' ? eps : eps.moveTo(device);
}

/** z_l = mu + exp(log var / 2) eps_l for every sample and draw, sample-major: [B L, latent]. */
export function latentSamples(zMean: Tensor, zLogVar: Tensor, eps: Tensor): Tensor {
  const [B, J] = zMean.shape, L = eps.shape[0];
  const z = add(unsqueeze(zMean, 1), mul(unsqueeze(exp(mul(zLogVar, 0.5)), 1), reshape(eps, [1, L, J])));
  return reshape(z, [B * L, J]);
}

/**
 * Per sample and draw, sum over the scored real cells of (x - x^_l)^2 / sigma^2: [B, L]. m is
 * [B, T, S, P, P], recon [B L, D, S, P, P] (D = 1 broadcasts over T), invVar [T', S, C, C] or
 * null for unit variance.
 */
export function weightedSquares(m: Tensor, recon: Tensor, L: number, score: MatrixScore, inputs: number, invVar: Tensor | null): Tensor {
  const B = m.shape[0];
  const x = unsqueeze(realCells(m, score, inputs), 1);  // [B, 1, T', S, C, C]
  const xr = realCells(recon, score, inputs);            // [B L, D', S, C, C]
  const sq = square(sub(x, reshape(xr, [B, L, ...xr.shape.slice(1)])));
  return sum(invVar ? mul(sq, invVar) : sq, [2, 3, 4, 5]);
}

/**
 * -log RP per sample (divided by `steps`, the matrices it covers) from the weighted squares q
 * ([B, L] row-major) and the log normaliser sum_e log(2 pi sigma_e^2) over the same cells.
 */
export function negLogProbability(q: ArrayLike<number>, L: number, logNormaliser: number, steps: number): Float64Array {
  const B = q.length / L;
  const out = new Float64Array(B);
  const logp = new Float64Array(L);
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) logp[l] = -0.5 * (q[b * L + l] + logNormaliser);
    out[b] = -logMeanExp(logp) / steps;
  }
  return out;
}

/** The decoder's Gaussian over the scored real cells: 1 / sigma^2 ([T', S, C, C], null at unit variance), sum_e log(2 pi sigma_e^2), and T'. */
export interface ScoredGaussian {
  invVar: Float32Array | null;
  logNormaliser: number;
  steps: number;
}

/** The model's decoder variance over the cells its score reads (score 'last': the last matrix's). */
export function scoredGaussian(model: ProbabilityModel): ScoredGaussian {
  const c = model.config;
  const steps = c.score === 'last' ? 1 : c.steps;
  const perMatrix = c.scales.length * c.inputs * c.inputs;
  const all = model.decoderVariance?.toArray();
  if (!all) return { invVar: null, logNormaliser: steps * perMatrix * Math.log(2 * Math.PI), steps };
  const v = all.subarray((c.steps - steps) * perMatrix);
  let logNormaliser = 0;
  for (let i = 0; i < v.length; i++) logNormaliser += Math.log(2 * Math.PI * v[i]);
  return { invVar: Float32Array.from(v, (s) => 1 / s), logNormaliser, steps };
}

/** The model's reconstruction-probability scores of x (windows of rows or matrix series): [B]. */
export function reconstructionProbabilityScores(model: ProbabilityModel, x: Tensor): Tensor {
  const c = model.config;
  const m = model.matrices(x);
  const [B, , S] = m.shape;
  const L = c.latentSamples;
  const { invVar, logNormaliser, steps } = scoredGaussian(model);
  const inv = invVar ? Tensor.fromArray(invVar, [steps, S, c.inputs, c.inputs], { device: m.device }) : null;
  const eps = latentDraws(c.latentSeed, L, c.latent, m.device);
  const { zMean, zLogVar } = model.encode(m);
  const out = new Float32Array(B);
  const chunk = Math.max(1, Math.floor(DECODES_PER_CHUNK / L));
  for (let b0 = 0; b0 < B; b0 += chunk) {
    const b1 = Math.min(B, b0 + chunk);
    const z = latentSamples(slice(zMean, 0, b0, b1), slice(zLogVar, 0, b0, b1), eps);
    const q = weightedSquares(slice(m, 0, b0, b1), model.decode(z), L, c.score, c.inputs, inv).toArray();
    out.set(negLogProbability(q, L, logNormaliser, steps), b0);
  }
  return Tensor.fromArray(out, [B]);
}
