// The channel error of a model that predicts a Gaussian N(mu, sigma^2) per channel of a window's
// last step (DC-VAE): e = |x - mu| / sigma. It is computed here and only here, from the same
// (x, mu, sigma) the alpha rule reads, so the model's channelErrors (what `train` fits the error
// scale and threshold on, and `evaluate` scores), the Detector's alpha rule (what `detect`
// writes) and a stream give the same float32 bits: e is |r| for r of alpha.ts's
// normalisedResiduals (both round the float64 quotient once to float32), so flags and scores
// see one residual.

/**
 * e[i] = |x[i] - mu[i]| / sigma[i] for i in [0, n), written to out[at + i] (float32, or float64
 * for a float64 model); `out` defaults to a new float32 array of n values.
 */
export function gaussianChannelErrors<A extends Float32Array | Float64Array = Float32Array>(
  x: ArrayLike<number>, mu: ArrayLike<number>, sigma: ArrayLike<number>, n = x.length, out: A = new Float32Array(n) as A, at = 0): A {
  if (mu.length < n || sigma.length < n || x.length < n) throw new Error(`gaussianChannelErrors: ${n} values asked of x ${x.length}, mu ${mu.length}, sigma ${sigma.length}`);
  if (out.length < at + n) throw new Error(`gaussianChannelErrors: out holds ${out.length} values, ${at + n} needed`);
  for (let i = 0; i < n; i++) out[at + i] = Math.abs(x[i] - mu[i]) / sigma[i];
  return out;
}
