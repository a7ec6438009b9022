// The reconstruction probability (probability.ts) in an ONNX graph. The draws eps_l are fixed by
// the config's latentSeed, so the graph holds them as a constant and computes the same score as
// the native engine: z_mean and the L codes z_l go through one decoder pass, and the mean over l
// is a log-mean-exp with the largest term factored out (no underflow in float32 either).
import type { GraphBuilder } from '../../lib/onnx/graph/builder';
import type { MatrixScore } from './score';

/** [z_mean; z_1 .. z_L] per sample, sample-major: [batch (L + 1), latent] for one decoder pass. */
export function latentSamplesOnnx(g: GraphBuilder, zMean: string, zLogVar: string, eps: ArrayLike<number>, L: number, latent: number): string {
  const ax1 = g.int64Const([1]);
  const mu = g.op('Unsqueeze', [zMean, ax1], {}, 'rp/mu');
  const sd = g.op('Exp', [g.op('Mul', [zLogVar, g.floatConst(0.5)], {}, 'rp/half_logvar')], {}, 'rp/sd');
  const sd1 = g.op('Unsqueeze', [sd, ax1], {}, 'rp/sd1');
  const z = g.op('Add', [mu, g.op('Mul', [sd1, g.floats('rp.eps', eps, [1, L, latent])], {}, 'rp/sd_eps')], {}, 'rp/z');
  const both = g.op('Concat', [mu, z], { axis: 1 }, 'rp/with_mean');  // [batch, L + 1, latent]
  return g.op('Reshape', [both, g.int64Const([-1, latent])], {}, 'rp/flat');
}

export interface ProbabilityGraph {
  steps: number;
  decoded: number;
  side: number;
  inputs: number;
  scales: number;
  L: number;
  score: MatrixScore;
  /** 1 / sigma^2 over the scored real cells [T', S, C, C]; null at unit variance. */
  invVar: Float32Array | null;
  /** sum_e log(2 pi sigma_e^2) over the same cells. */
  logNormaliser: number;
}

/**
 * -log RP per sample [batch] from the matrices m [batch, T, S, P, P] and the sampled
 * reconstructions [batch, L, D, S, P, P], over the scored real cells (divided by T for 'mean').
 */
export function probabilityScoresOnnx(g: GraphBuilder, m: string, sampled: string, o: ProbabilityGraph): string {
  const { steps: T, decoded: D, side: P, inputs: C, L, score } = o;
  const off = P - C, last = score === 'last';
  const i64 = (v: number[]) => g.int64Const(v);
  const x = last ? g.op('Slice', [m, i64([T - 1, off, off]), i64([T, P, P]), i64([1, 3, 4])], {}, 'rp/x_cells')
    : g.op('Slice', [m, i64([off, off]), i64([P, P]), i64([3, 4])], {}, 'rp/x_cells');
  const xr = last ? g.op('Slice', [sampled, i64([D - 1, off, off]), i64([D, P, P]), i64([2, 4, 5])], {}, 'rp/recon_cells')
    : g.op('Slice', [sampled, i64([off, off]), i64([P, P]), i64([4, 5])], {}, 'rp/recon_cells');
  const d = g.op('Sub', [g.op('Unsqueeze', [x, i64([1])], {}, 'rp/x_per_draw'), xr], {}, 'rp/Sub');
  let sq = g.op('Mul', [d, d], {}, 'rp/Square');
  if (o.invVar) sq = g.op('Mul', [sq, g.floats('rp.inv_variance', o.invVar, [last ? 1 : T, o.scales, C, C])], {}, 'rp/over_variance');
  const q = g.op('ReduceSum', [sq, i64([2, 3, 4, 5])], { keepdims: 0 }, 'rp/ReduceSum');  // [batch, L]
  const logp = g.op('Add', [g.op('Mul', [q, g.floatConst(-0.5)], {}, 'rp/half'), g.floatConst(-0.5 * o.logNormaliser)], {}, 'rp/logp');
  const top = g.op('ReduceMax', [logp], { axes: [1], keepdims: 1 }, 'rp/max');
  const sum = g.op('ReduceSum', [g.op('Exp', [g.op('Sub', [logp, top], {}, 'rp/shift')], {}, 'rp/Exp'), i64([1])], { keepdims: 1 }, 'rp/sum');
  const lse = g.op('Reshape', [g.op('Add', [g.op('Log', [sum], {}, 'rp/Log'), top], {}, 'rp/lse'), i64([-1])], {}, 'rp/lse_flat');
  const neg = g.op('Sub', [g.floatConst(Math.log(L)), lse], {}, 'rp/neg_log_rp');
  return last ? neg : g.op('Mul', [neg, g.floatConst(1 / T)], {}, 'rp/per_matrix');
}
