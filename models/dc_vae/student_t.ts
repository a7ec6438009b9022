// The Student-t negative log-likelihood DC-VAE trains with by default (docs/models/dc-vae.md,
// "Likelihood"): location mu, scale sigma = exp(l / 2) (l = the model's x_log_var, floor
// included), nu degrees of freedom, per element
//   nll = 0.5 l + 0.5 (nu + 1) log(1 + (x - mu)^2 e^(-l) / nu) + C(nu),
//   C(nu) = lgamma(nu / 2) - lgamma((nu + 1) / 2) + 0.5 log(nu pi).
// Why not the Gaussian: its cost of a residual grows as (e / sigma)^2, so once sigma fits a
// channel that barely moves in training, the few validation rows where it sits at a level never
// seen in training dominate the validation loss, which then rises from the first epochs on
// (early stopping keeps an untrained model); here the cost grows as (nu + 1) log |e / sigma|.
// Its minimum over sigma for one residual e is still at sigma = |e|, as the Gaussian's.
import { add, affine, exp, log, mean, mul, square, sub, sum } from '../../lib/ops';
import type { Tensor } from '../../lib/tensor';

/** The Student-t NLL of x under (mu, e^logVar, nu), averaged ('mean') or summed ('sum') over every element. */
export function studentTNll(x: Tensor, mu: Tensor, logVar: Tensor, nu: number, reduction: 'mean' | 'sum' = 'mean'): Tensor {
  const perElement = studentTNllElements(x, mu, logVar, nu);
  return reduction === 'mean' ? mean(perElement) : sum(perElement);
}

/** The same NLL per element, unreduced (x, mu and logVar of one shape). */
export function studentTNllElements(x: Tensor, mu: Tensor, logVar: Tensor, nu: number): Tensor {
  if (!(Number.isFinite(nu) && nu > 0)) throw new Error(`studentTNll: nu must be a positive finite number, got ${nu}`);
  const q = mul(square(sub(x, mu)), exp(affine(logVar, -1, 0))); // (e / sigma)^2
  return add(affine(logVar, 0.5, studentTConstant(nu)), affine(log(affine(q, 1 / nu, 1)), 0.5 * (nu + 1), 0));
}

/** C(nu), the normalising constant of the Student-t density's negative log. */
export function studentTConstant(nu: number): number {
  return lgamma(nu / 2) - lgamma((nu + 1) / 2) + 0.5 * Math.log(nu * Math.PI);
}

/** log Gamma(x) for x > 0: Stirling's series after shifting x above 10 (error below 1e-12 there). */
export function lgamma(x: number): number {
  if (!(x > 0)) throw new Error(`lgamma: x must be positive, got ${x}`);
  let shift = 0;
  while (x < 10) {
    shift += Math.log(x);
    x += 1;
  }
  const r = 1 / (x * x);
  const series = (1 / 12 - r * (1 / 360 - r * (1 / 1260 - r / 1680))) / x;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}
