// Maximum-likelihood fit of a generalised Pareto distribution (GPD) to positive excesses, by
// Grimshaw's reduction (Grimshaw 1993, as used for POT/SPOT by Siffer et al., KDD 2017).
//
// GPD: P(Y > y) = (1 + g y / s)^(-1/g)  (g = shape, s = scale > 0; g = 0 is the exponential).
// Log-likelihood of excesses Y_1..Y_N:  -N ln s - (1 + 1/g) sum ln(1 + g Y_i / s).
// Grimshaw: with x = g / s the likelihood equations reduce to one equation in x,
//   w(x) = u(x) v(x) - 1 = 0,  u = mean 1/(1 + x Y),  v = 1 + mean ln(1 + x Y),
// and then g = v(x) - 1, s = g / x. x = 0 is always a (double) root: the exponential fit
// g = 0, s = mean Y. The other roots lie in (-1/max Y, 0) and (0, 2 (mean Y - min Y) / min Y^2].
// We locate them by sign changes of w on a dense grid of each interval (geometric, see below),
// refine each by bisection, and keep the candidate of largest likelihood among the roots, x = 0
// and the boundary g = -1 (the likelihood is unbounded for g < -1: we fit over g >= -1).
// Where a root sits at x, the log-likelihood is -N (ln s + g + 1).

export interface GpdFit {
  shape: number;
  scale: number;
  logLikelihood: number;
}

const GRID = 240; // points per interval: a ratio of ~1.2 between neighbours on the right

export function fitGpd(excesses: ArrayLike<number>): GpdFit {
  const y = Float64Array.from(excesses);
  const N = y.length;
  if (N < 2) throw new Error(`fitGpd: need at least 2 excesses, got ${N}`);
  let sum = 0, lo = Infinity, hi = -Infinity;
  for (const v of y) {
    if (!(v > 0) || !Number.isFinite(v)) throw new Error(`fitGpd: excesses must be finite and > 0, got ${v}`);
    sum += v;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const ybar = sum / N;
  // The exponential candidate (x = 0).
  let best: GpdFit = { shape: 0, scale: ybar, logLikelihood: -N * (Math.log(ybar) + 1) };
  if (hi === lo) return best; // all excesses equal: nothing to distinguish the shapes
  // The boundary g = -1 (uniform on [0, max Y], log-likelihood -N ln max Y): below it the
  // likelihood is unbounded, so the fit is the MLE restricted to g >= -1, and a bounded tail
  // (e.g. uniform scores) whose interior equations have no root lands here, not on the
  // exponential.
  const uniform = -N * Math.log(hi);
  if (uniform > best.logLikelihood) best = { shape: -1, scale: hi, logLikelihood: uniform };

  // w(x) computed as b - a - a b with a = mean xY/(1+xY), b = mean ln(1+xY): accurate near 0.
  const w = (x: number): number => {
    let a = 0, b = 0;
    for (let i = 0; i < N; i++) {
      const xy = x * y[i];
      a += xy / (1 + xy);
      b += Math.log1p(xy);
    }
    a /= N;
    b /= N;
    return b - a - a * b;
  };
  const consider = (x: number): void => {
    let g = 0;
    for (let i = 0; i < N; i++) g += Math.log1p(x * y[i]);
    g /= N;
    const s = g / x;
    if (!(s > 0) || !Number.isFinite(s)) return;
    const ll = -N * (Math.log(s) + g + 1);
    if (ll > best.logLikelihood) best = { shape: g, scale: s, logLikelihood: ll };
  };

  const left = -1 / hi; // w -> -infinity as x -> left
  const right = (2 * (ybar - lo)) / (lo * lo);
  // Left: fractions of (left, 0), dense at both ends. Right: geometric from far below the data's
  // scale 1/mean Y up to the bound (the bound is huge when min Y is tiny, so fractions of the
  // interval would skip the roots near 1/mean Y).
  const leftGrid = endDenseFractions(GRID).map((f) => left * (1 - f)); // near -1/maxY up to near 0
  const start = Math.min(1e-8 / ybar, right / 2);
  const rightGrid = Array.from({ length: GRID }, (_, k) => start * Math.pow(right / start, k / (GRID - 1)));
  for (const grid of [leftGrid, rightGrid]) {
    let xPrev = grid[0], wPrev = w(xPrev);
    for (let k = 1; k < grid.length; k++) {
      const x = grid[k], wx = w(x);
      if (wPrev === 0) consider(xPrev);
      else if (wx !== 0 && wPrev < 0 !== wx < 0) consider(bisect(w, xPrev, x, wPrev));
      xPrev = x;
      wPrev = wx;
    }
  }
  return best;
}

/** Fractions in (0, 1), increasing, geometric towards 0 and towards 1 (1e-9 .. 1 - 1e-9). */
function endDenseFractions(m: number): number[] {
  const half: number[] = [];
  for (let k = 0; k < m / 2; k++) half.push(1e-9 * Math.pow(0.5 / 1e-9, k / (m / 2 - 1))); // 1e-9 .. 0.5
  return [...half, ...half.slice(0, -1).reverse().map((f) => 1 - f)];
}

function bisect(f: (x: number) => number, a: number, b: number, fa: number): number {
  for (let it = 0; it < 100; it++) {
    const m = 0.5 * (a + b);
    if (m === a || m === b) break;
    const fm = f(m);
    if (fm === 0) return m;
    if (fa < 0 === fm < 0) (a = m), (fa = fm);
    else b = m;
  }
  return 0.5 * (a + b);
}

/**
 * The score exceeded with probability `risk` (Siffer et al.): with t the initial threshold,
 * n scores of which nt exceed t,  z = t + (s/g) ((risk n / nt)^(-g) - 1),  or
 * z = t - s ln(risk n / nt) when g = 0.
 */
export function gpdTailQuantile(t: number, fit: GpdFit, risk: number, n: number, nt: number): number {
  const r = (risk * n) / nt;
  if (Math.abs(fit.shape) < 1e-12) return t - fit.scale * Math.log(r);
  return t + (fit.scale / fit.shape) * (Math.pow(r, -fit.shape) - 1);
}
