// Global gradient-norm clipping (torch.nn.utils.clip_grad_norm_): the L2 norm over every
// parameter's gradient together; when it exceeds maxNorm every gradient is scaled by
// maxNorm / (norm + 1e-6).
import { native } from '../binding';
import { Tensor } from '../tensor';

/** Clips in place and returns the total norm before clipping. Parameters without grad are skipped. */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
  let sum = 0;
  for (const g of grads) sum += native.sumSquares(g.native);
  const norm = Math.sqrt(sum);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const g of grads) native.scaleInplace(g.native, coef);
  return norm;
}
