// The per-channel Gaussians N(mu, sigma^2) a model predicts for the last step of each window,
// beside the observed values: what the alpha calibrator and the alpha rule read. Models offer
// them through lastStep (GaussianPredictor); others have none (gaussianModel says so).
import { noGrad } from '../autograd/grad_mode';
import type { GaussianRows } from '../calibrate/alpha';
import type { Samples } from '../data/representation';
import { Tensor, tidy } from '../tensor';

/** A model that gives the Gaussian of each window's last step ([B, T, C] -> [B, C] each). */
export interface GaussianPredictor {
  eval(): unknown;
  lastStep(x: Tensor): { mu: Tensor; sigma: Tensor };
}

/** x, mu, sigma at the end row of every window, in window order. */
export function lastStepGaussians(model: GaussianPredictor, windows: Samples, batchSize = 256): GaussianRows {
  const C = windows.channels, T = windows.length, n = windows.count;
  const out: GaussianRows = { rows: n, channels: C, x: new Float32Array(n * C), mu: new Float32Array(n * C), sigma: new Float32Array(n * C) };
  model.eval();
  noGrad(() => {
    for (let b = 0; b < n; b += batchSize) {
      const m = Math.min(batchSize, n - b);
      const data = windows.batch(Int32Array.from({ length: m }, (_, i) => b + i));
      for (let i = 0; i < m; i++) out.x.set(data.subarray((i * T + T - 1) * C, (i * T + T) * C), (b + i) * C);
      tidy(() => {
        const { mu, sigma } = model.lastStep(Tensor.fromArray(data, [m, T, C]));
        out.mu.set(mu.toArray(), b * C);
        out.sigma.set(sigma.toArray(), b * C);
      });
    }
  });
  return out;
}


/** The model as a GaussianPredictor, or null when it predicts no per-channel Gaussians. */
export function gaussianModel(model: unknown): GaussianPredictor | null {
  const m = model as Partial<GaussianPredictor>;
  return typeof m.lastStep === 'function' ? (m as GaussianPredictor) : null;
}
