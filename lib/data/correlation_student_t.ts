// The robust correlation of a window: the maximum-likelihood scatter of a multivariate Student-t
// with fixed degrees of freedom nu, fitted by EM, normalised by its diagonal.
//
// The seed (STAE-AD) takes, per channel pair, the posterior mean of rho after 5 NUTS draws of a
// bivariate Student-t model in PyMC3: a random number that changes from run to run. This is the
// deterministic counterpart: one joint fit over the window's non-constant channels.
//
// EM (Lange, Little & Taylor 1989) on the window's rows z_r, standardised by the window's mean
// and standard deviation per channel (the fit is equivariant to that; the ridge is measured in it):
//   d_r = (z_r - mu)' S^-1 (z_r - mu)           (Cholesky of S, one triangular solve per row)
//   u_r = (nu + p) / (nu + d_r)                  (the row's weight: an outlying row weighs little)
//   mu  = sum u_r z_r / sum u_r
//   S   = sum u_r (z_r - mu)(z_r - mu)' / w + ridge * I
// With ridge = 0 this is the maximum-likelihood fit. The MLE does not exist on many real windows:
// fewer rows than channels, collinear channels (actuators switching together), or a channel that
// holds one value on most rows (its scale collapses towards 0 and EM crawls there for thousands of
// iterations). The ridge makes it a penalised MLE (penalty ridge * w / 2 * tr(S^-1)), which exists,
// is unique and is reached from any start (Ollila & Tyler 2014 for the scatter: the t loss is
// geodesically convex; with the location fitted too, the tests check that warm and cold starts
// agree), and shrinks the correlations by about a factor 1 / (1 + ridge). The loop stops when no
// correlation moves by more than tol in one EM step, or after maxIter EM steps (the last iterate
// is kept; the fit says it did not converge).
//
// Cost per matrix: O(steps * (w * p^2 + p^3)) for p non-constant channels, i.e.
// O(iter * w * n^2) when w >= n. EM alone converges linearly and slowly (65 steps at tol 1e-8 for
// 51 channels over 120 rows; 390 on a 4-channel window whose one channel is stuck on 35 of 40
// rows), so the steps are extrapolated by SQUAREM (below): 21 and 45 EM steps on those, i.e. tens
// of milliseconds per 51 x 51 matrix on one core (35 to 75 ms measured on a shared machine), where
// Pearson from running sums costs about 0.1 ms a row. A fit has no running-sum update (every row's
// weight depends on the whole fit), so a stream refits each window, starting from the previous
// window's fit; at this tolerance that saves only a few steps (EM starting 1/w closer).
import { isConstant, windowMoments, writeSymmetric, type Matrix } from './correlation_window';

export interface StudentTOptions {
  /** Degrees of freedom, fixed (not fitted); smaller is more robust. Default 4 (Lange, Little & Taylor 1989). */
  nu?: number;
  /** Stop when no correlation moves by more than this between iterations. Default 1e-8. */
  tol?: number;
  /** Cap on EM steps (SQUAREM's included). Default 500. */
  maxIter?: number;
  /** Added to the standardised scatter's diagonal every iteration (a penalty; see above). Default 1e-3. */
  ridge?: number;
}

export const STUDENT_T_DEFAULTS: Readonly<Required<StudentTOptions>> = Object.freeze({ nu: 4, tol: 1e-8, maxIter: 500, ridge: 1e-3 });

/** The options with their defaults filled in, each checked (the error names the option and its value). */
export function studentTOptions(o: StudentTOptions = {}): Required<StudentTOptions> {
  const r = { ...STUDENT_T_DEFAULTS, ...o };
  const bad = (name: string, v: unknown, want: string) => new Error(`matrix series: studentT.${name} must be ${want}, got ${v}`);
  if (!(Number.isFinite(r.nu) && r.nu > 0)) throw bad('nu', r.nu, 'a positive finite number');
  if (!(Number.isFinite(r.tol) && r.tol > 0)) throw bad('tol', r.tol, 'a positive finite number');
  if (!(Number.isInteger(r.maxIter) && r.maxIter >= 1)) throw bad('maxIter', r.maxIter, 'a positive integer');
  if (!(Number.isFinite(r.ridge) && r.ridge >= 0)) throw bad('ridge', r.ridge, 'a finite number >= 0');
  for (const k of Object.keys(o)) if (!(k in STUDENT_T_DEFAULTS)) throw new Error(`matrix series: studentT has no option '${k}' (it has ${Object.keys(STUDENT_T_DEFAULTS).join(', ')})`);
  return r;
}

/** A window's fit, in the data's own units: location and scatter over the non-constant channels. */
export interface StudentTFit {
  /** The channels fitted (not constant over the window), ascending. */
  active: Int32Array;
  /** Location, one per active channel. */
  mu: Float64Array;
  /** Scatter, p x p over the active channels, row-major. */
  scatter: Float64Array;
  /** EM steps taken. */
  iterations: number;
  converged: boolean;
}

/** The lower Cholesky factor of the p x p matrix a (upper triangle read) into L; false if a is not positive definite. */
function cholesky(a: Float64Array, p: number, L: Float64Array): boolean {
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[j * p + i];
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      if (i === j) {
        if (!(s > 0)) return false;
        L[i * p + i] = Math.sqrt(s);
      } else L[i * p + j] = s / L[j * p + j];
    }
  }
  return true;
}

/** Largest change of the correlation S_ij / sqrt(S_ii S_jj) between the scatters of two parameter vectors. */
function correlationChange(ta: Float64Array, tb: Float64Array, p: number): number {
  const a = ta.subarray(p), b = tb.subarray(p);
  let worst = 0;
  for (let i = 0; i < p; i++)
    for (let j = i + 1; j < p; j++) {
      const ca = a[i * p + j] / Math.sqrt(a[i * p + i] * a[j * p + j]);
      const cb = b[i * p + j] / Math.sqrt(b[i * p + i] * b[j * p + j]);
      const d = Math.abs(ca - cb);
      if (!(d <= worst)) worst = d; // NaN wins, so it stops nothing
    }
  return worst;
}

function sameChannels(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && a.every((v, k) => v === b[k]);
}

/** Whether the scatter part of a parameter vector (location p, then p x p) is positive definite. */
function positiveDefinite(theta: Float64Array, p: number): boolean {
  return cholesky(theta.subarray(p), p, new Float64Array(p * p));
}

/**
 * One EM step over the standardised rows z ([w, p]): a function from parameters (location, then
 * scatter) to the next parameters, or null when the scatter given is not positive definite.
 */
function emStep(z: Float64Array, w: number, p: number, opts: Required<StudentTOptions>): (theta: Float64Array) => Float64Array | null {
  const L = new Float64Array(p * p), u = new Float64Array(w), y = new Float64Array(p), d = new Float64Array(p);
  return (theta) => {
    const mu = theta.subarray(0, p);
    if (!cholesky(theta.subarray(p), p, L)) return null;
    // E-step: each row's weight from its Mahalanobis distance.
    let su = 0;
    for (let r = 0; r < w; r++) {
      let dist = 0;
      for (let i = 0; i < p; i++) {
        let s = z[r * p + i] - mu[i];
        for (let k = 0; k < i; k++) s -= L[i * p + k] * y[k];
        y[i] = s / L[i * p + i];
        dist += y[i] * y[i];
      }
      u[r] = (opts.nu + p) / (opts.nu + dist);
      su += u[r];
    }
    // M-step.
    const next = new Float64Array(p + p * p), m = next.subarray(0, p), S = next.subarray(p);
    for (let r = 0; r < w; r++) for (let k = 0; k < p; k++) m[k] += u[r] * z[r * p + k];
    for (let k = 0; k < p; k++) m[k] /= su;
    for (let r = 0; r < w; r++) {
      for (let k = 0; k < p; k++) d[k] = z[r * p + k] - m[k];
      const ur = u[r];
      for (let i = 0; i < p; i++) {
        const di = ur * d[i];
        for (let j = i; j < p; j++) S[i * p + j] += di * d[j];
      }
    }
    for (let i = 0; i < p; i++) for (let j = i; j < p; j++) S[i * p + j] /= w;
    for (let k = 0; k < p; k++) S[k * p + k] += opts.ridge;
    return next;
  };
}

/**
 * Fits the w rows ending at `end` of x ([rows, C] row-major). `warm`, a previous fit over the
 * same active channels, is the starting point (else the window's sample covariance is). `row`
 * names the window's end row in an error (a stream's buffer index is not the series' row).
 */
export function fitStudentT(
  x: ArrayLike<number>, C: number, end: number, w: number, opts: Required<StudentTOptions>, warm?: StudentTFit, row = end,
): StudentTFit {
  const mean = new Float64Array(C), co = new Float64Array(C * C);
  windowMoments(x, C, end, w, mean, co);
  const act: number[] = [];
  for (let i = 0; i < C; i++) if (!isConstant(co[i * C + i] / w, mean[i])) act.push(i);
  const active = Int32Array.from(act), p = active.length;
  const m = new Float64Array(p), sd = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    m[k] = mean[active[k]];
    sd[k] = Math.sqrt(co[active[k] * (C + 1)] / w);
  }
  // Standardised rows of the window.
  const z = new Float64Array(w * p);
  for (let r = 0; r < w; r++) {
    const row = (end - w + 1 + r) * C;
    for (let k = 0; k < p; k++) z[r * p + k] = (x[row + active[k]] - m[k]) / sd[k];
  }
  // The parameters as one vector: location (p), then the scatter (p x p, upper triangle used).
  let theta: Float64Array = new Float64Array(p + p * p);
  if (warm && sameChannels(warm.active, active)) {
    for (let k = 0; k < p; k++) theta[k] = (warm.mu[k] - m[k]) / sd[k];
    for (let i = 0; i < p; i++) for (let j = i; j < p; j++) theta[p + i * p + j] = warm.scatter[i * p + j] / (sd[i] * sd[j]);
  } else {
    for (let i = 0; i < p; i++)
      for (let j = i; j < p; j++) theta[p + i * p + j] = co[active[i] * C + active[j]] / w / (sd[i] * sd[j]);
    for (let k = 0; k < p; k++) theta[p + k * p + k] += opts.ridge;
  }
  const em = emStep(z, w, p, opts);
  const step = (from: Float64Array): Float64Array => {
    const next = em(from);
    if (!next) throw new Error(`matrix series: the Student-t scatter of the ${w} rows ending at row ${row} is singular (${p} non-constant channels); use studentT.ridge > 0`);
    iterations++;
    return next;
  };
  // SQUAREM (Varadhan & Roland 2008, scheme S3): two EM steps give r = F(t) - t and
  // v = F(F(t)) - 2 F(t) + t; the extrapolation t - 2 a r + a^2 v, a = -|r| / |v| (at most -1, where
  // -1 is the plain double step), then one EM step from there. Same fixed point as EM, reached in
  // several times fewer steps on slow windows; an extrapolation that is not positive definite
  // falls back to the double step. Converged: one EM step moves no correlation by more than tol.
  let iterations = 0, converged = p < 2;
  while (!converged && iterations < opts.maxIter) {
    const t1 = step(theta);
    if ((converged = correlationChange(t1, theta, p) <= opts.tol) || iterations >= opts.maxIter) {
      theta = t1;
      break;
    }
    const t2 = step(t1);
    let rr = 0, vv = 0;
    for (let k = 0; k < theta.length; k++) {
      const r = t1[k] - theta[k], v = t2[k] - 2 * t1[k] + theta[k];
      rr += r * r;
      vv += v * v;
    }
    const a = vv > 0 ? Math.min(-1, -Math.sqrt(rr / vv)) : -1;
    let ext: Float64Array = t2;
    if (a < -1) {
      ext = new Float64Array(theta.length);
      for (let k = 0; k < theta.length; k++) {
        const r = t1[k] - theta[k], v = t2[k] - 2 * t1[k] + theta[k];
        ext[k] = theta[k] - 2 * a * r + a * a * v;
      }
      if (!positiveDefinite(ext, p)) ext = t2;
    }
    if (iterations >= opts.maxIter) {
      theta = t2;
      break;
    }
    const t3 = step(ext);
    converged = correlationChange(t3, ext, p) <= opts.tol;
    theta = t3;
  }
  const mu = theta.subarray(0, p), S = theta.subarray(p);
  // Back to the data's units (the lower triangle mirrored for readers of the whole matrix).
  const scatter = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = i; j < p; j++) scatter[i * p + j] = scatter[j * p + i] = S[i * p + j] * sd[i] * sd[j];
  for (let k = 0; k < p; k++) mu[k] = m[k] + sd[k] * mu[k];
  return { active, mu, scatter, iterations, converged };
}

/** The fit's correlation as a padded P x P block over all C channels (constant ones: 0, diagonal 1). */
export function writeStudentT(fit: StudentTFit, C: number, out: Matrix, offset: number, P: number): void {
  const slot = new Int32Array(C).fill(-1);
  fit.active.forEach((ch, k) => (slot[ch] = k));
  const p = fit.active.length, s = fit.scatter;
  writeSymmetric(out, offset, P, C, (i, j) => {
    if (i === j) return 1;
    const a = slot[i], b = slot[j];
    if (a < 0 || b < 0) return 0;
    const r = s[a * p + b] / Math.sqrt(s[a * p + a] * s[b * p + b]);
    return r > 1 ? 1 : r < -1 ? -1 : r;
  });
}
