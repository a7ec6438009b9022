// Gradient-norm clipping, two ways:
// - global (torch.nn.utils.clip_grad_norm_): the L2 norm over every parameter's gradient
//   together; when it exceeds maxNorm every gradient is scaled by maxNorm / (norm + 1e-6).
// - per tensor (Keras's clipnorm in tf.keras and TF2 optimisers; STAE-AD's Adam(clipnorm=1)):
//   each gradient on its own, scaled by maxNorm / (its norm + 1e-6) when its norm exceeds
//   maxNorm, i.e. clip_grad_norm_ applied to one parameter at a time. Keras uses
//   tf.clip_by_norm, g * maxNorm / max(norm, maxNorm), without the 1e-6: the two differ by a
//   factor 1 + 1e-6/norm (relative 1e-6 at the clipping edge, less above it). The 1e-6 keeps
//   one rule for both modes here. (Standalone Keras 2.x's clipnorm was global: clipGradNorm.)
import { native } from '../binding';
import { Tensor } from '../tensor';

function checkMaxNorm(fn: string, maxNorm: number): void {
  if (!(maxNorm > 0 && Number.isFinite(maxNorm))) throw new Error(`${fn}: maxNorm must be > 0 and finite, got ${maxNorm}`);
}

/** Clips in place and returns the total norm before clipping. Parameters without grad are skipped. */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  checkMaxNorm('clipGradNorm', maxNorm);
  const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
  let sum = 0;
  for (const g of grads) sum += native.sumSquares(g.native);
  const norm = Math.sqrt(sum);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const g of grads) native.scaleInplace(g.native, coef);
  return norm;
}

/**
 * Clips each parameter's gradient to norm maxNorm on its own, in place. Returns each gradient's
 * norm before clipping, in the order of `params` (null for a parameter without grad, skipped).
 */
export function clipGradNormPerTensor(params: Tensor[], maxNorm: number): (number | null)[] {
  checkMaxNorm('clipGradNormPerTensor', maxNorm);
  return params.map((p) => {
    if (!p.grad) return null;
    const norm = Math.sqrt(native.sumSquares(p.grad.native));
    const coef = maxNorm / (norm + 1e-6);
    if (coef < 1) native.scaleInplace(p.grad.native, coef);
    return norm;
  });
}
