// log sum_i exp(v_i) in float64 without underflow or overflow: the largest term is factored out
// (log sum exp(v_i) = m + log sum exp(v_i - m)), so a sum of likelihoods whose logs are in the
// thousands (a Gaussian density over thousands of dimensions) stays finite.

/** log sum exp of v[start..end); -Infinity for no terms or all -Infinity, NaN if any term is NaN. */
export function logSumExp(v: ArrayLike<number>, start = 0, end = v.length): number {
  let m = -Infinity;
  for (let i = start; i < end; i++) {
    if (Number.isNaN(v[i])) return NaN;
    if (v[i] > m) m = v[i];
  }
  if (m === -Infinity || m === Infinity) return m;
  let s = 0;
  for (let i = start; i < end; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

/** log of the mean of exp(v[start..end)): logSumExp - log n. */
export function logMeanExp(v: ArrayLike<number>, start = 0, end = v.length): number {
  if (end <= start) throw new Error(`logMeanExp: no terms in [${start}, ${end})`);
  return logSumExp(v, start, end) - Math.log(end - start);
}
