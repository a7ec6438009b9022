// Non-parametric dynamic thresholding (Hundman et al., KDD 2018, "Detecting Spacecraft Anomalies
// Using LSTMs and Nonparametric Dynamic Thresholding", section 3.2), label-free, applied causally
// to a series of scores (errors) as they arrive. Per row t:
//   1. smooth: e_s = EWMA of the scores so far (the adjusted, bias-free form: the weighted mean
//      of every score seen, weight (1 - a)^age, a = 2 / (span + 1));
//   2. window: the last `history` smoothed scores, row t's included (h in the paper); until
//      `history` of them exist, row t is flagged when e_s > `fallback` (a fixed threshold fitted
//      on calibration data, lib/calibrate);
//   3. threshold: eps = mu + z sigma of the window, z from the grid maximising
//        (dmu / mu + dsigma / sigma) / (|e_a| + |E_seq|^2)
//      where dmu, dsigma are how much the mean and std fall when the values above eps are left
//      out, e_a those values and E_seq their runs of consecutive rows; z flagging nothing is no
//      candidate, ties go to the larger z;
//   4. pruning: the runs' maxima, largest first, then the largest value not above eps; a run is
//      kept when some later step of that list falls by more than `minDecrease` (p) relative to
//      the value before it; all runs after the last such fall are nominal again;
//   5. row t is flagged when its value is above eps and its run is kept.
// What differs from the paper: it judges batches of 70 values, each by the window ending at it,
// so a flag can depend on later rows of its batch; here every row is judged once, by the window
// ending at it (a batch of one, the latency of a stream), and never revised. Its
// error-buffer grouping of nearby sequences and its label-fed false-positive mitigation are
// not done. Scores are errors (>= 0): dmu / mu means nothing for a mean <= 0, and is then 0.
// Applying lives in eval (like applyThreshold) so that reports apply the rule; the fallback and
// the checks of a rule's options are fitted by lib/calibrate (thresholds.ts fitDynamicThreshold).

/** The rule as a bundle's threshold holds it (method 'dynamic': its params and value). */
export interface DynamicThresholdRule {
  /** Smoothed scores per window (h). */
  history: number;
  /** EWMA span (1: no smoothing). */
  span: number;
  /** Candidate z, ascending. */
  zGrid: number[];
  /** Pruning's minimum relative decrease p, in [0, 1) (0: no pruning). */
  minDecrease: number;
  /** Threshold on the smoothed score while fewer than `history` smoothed scores exist. */
  fallback: number;
}

/** A grid written as comma-separated numbers (as bundles store it), ascending. */
export function parseZGrid(text: string): number[] {
  const grid = String(text).split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  return grid.sort((a, b) => a - b);
}

/**
 * Throws on a rule that cannot be applied; `name` maps a field to what the user calls it (a
 * bundle param, a CLI flag).
 */
export function checkDynamicRule(r: DynamicThresholdRule, name: (field: keyof DynamicThresholdRule) => string = (f) => f): void {
  const bad = (f: keyof DynamicThresholdRule, want: string, got: unknown) => new Error(`dynamic threshold: ${name(f)} must be ${want}, got ${got}`);
  if (!(Number.isInteger(r.history) && r.history >= 2)) throw bad('history', 'an integer >= 2 (rows per window)', r.history);
  if (!(Number.isFinite(r.span) && r.span >= 1)) throw bad('span', 'a number >= 1 (1: no smoothing)', r.span);
  if (!r.zGrid.length || !r.zGrid.every((z) => Number.isFinite(z) && z >= 0)) throw bad('zGrid', 'comma-separated numbers >= 0', `"${r.zGrid.join(',')}"`);
  if (!(r.minDecrease >= 0 && r.minDecrease < 1)) throw bad('minDecrease', 'in [0, 1)', r.minDecrease);
  if (!Number.isFinite(r.fallback)) throw bad('fallback', 'a finite threshold', r.fallback);
}

/** The rule of a stored threshold ({ value: fallback, params }), checked. */
export function dynamicRuleOf(t: { value: number; params: Record<string, unknown> }): DynamicThresholdRule {
  const p = t.params;
  const r: DynamicThresholdRule = {
    history: p.history as number, span: p.span as number, zGrid: parseZGrid(String(p.zGrid)),
    minDecrease: p.minDecrease as number, fallback: t.value,
  };
  checkDynamicRule(r, (f) => (f === 'fallback' ? 'value (the fallback)' : `params.${f}`));
  return r;
}

/** The adjusted EWMA, one value at a time; its state is two numbers. */
export class Ewma {
  private readonly keep: number;
  /** Weighted sum a * sum (1 - a)^age x and its weight a * sum (1 - a)^age. */
  constructor(readonly span: number, public sum = 0, public weight = 0) {
    this.keep = 1 - 2 / (span + 1);
  }

  push(x: number): number {
    this.sum = this.keep * this.sum + (1 - this.keep) * x;
    this.weight = this.keep * this.weight + (1 - this.keep);
    return this.sum / this.weight;
  }
}

/** The adjusted EWMA of a whole series (span 1: the values themselves). */
export function ewma(values: ArrayLike<number>, span: number): Float64Array {
  const e = new Ewma(span);
  return Float64Array.from(values, (v) => e.push(v));
}

/** One window's threshold: z = null when no z of the grid puts any value above mu + z sigma. */
export interface WindowThreshold {
  z: number | null;
  /** mu + z sigma (with the largest z of the grid when z is null). */
  epsilon: number;
  /** The criterion at z (NaN when z is null). */
  criterion: number;
}

/** Mean and population std of a window (two passes). */
function meanStd(window: ArrayLike<number>): { mu: number; sigma: number } {
  const n = window.length;
  let mu = 0;
  for (let i = 0; i < n; i++) mu += window[i];
  mu /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (window[i] - mu) ** 2;
  return { mu, sigma: Math.sqrt(ss / n) };
}

/** Step 3 on one window (any order of the grid; ties go to the larger z). */
export function windowThreshold(window: ArrayLike<number>, zGrid: readonly number[]): WindowThreshold {
  const n = window.length;
  const { mu, sigma } = meanStd(window);
  let best: WindowThreshold = { z: null, epsilon: mu + Math.max(...zGrid) * sigma, criterion: NaN };
  for (const z of zGrid) {
    const eps = mu + z * sigma;
    // One pass: the values not above eps by their deviations d from mu (centred, so the
    // variance below, mean(d^2) - mean(d)^2, does not cancel badly).
    let above = 0, runs = 0, below = 0, sumD = 0, sumD2 = 0;
    for (let i = 0; i < n; i++) {
      const v = window[i];
      if (v > eps) {
        if (i === 0 || !(window[i - 1] > eps)) runs++;
        above++;
      } else {
        const d = v - mu;
        below++;
        sumD += d;
        sumD2 += d * d;
      }
    }
    if (!above) continue;
    const meanD = sumD / below;
    const sigmaBelow = Math.sqrt(Math.max(0, sumD2 / below - meanD * meanD));
    const dMu = mu > 0 ? -meanD / mu : 0;
    const criterion = (dMu + (sigma - sigmaBelow) / sigma) / (above + runs * runs);
    if (best.z === null || criterion > best.criterion || (criterion === best.criterion && z > best.z)) best = { z, epsilon: eps, criterion };
  }
  return best;
}

/** A run of consecutive values above the threshold (first..last inclusive). */
export interface AnomalousSequence {
  first: number;
  last: number;
  max: number;
}

/** The runs of values above eps, and the largest value not above it (-Infinity when none). */
export function anomalousSequences(window: ArrayLike<number>, eps: number): { sequences: AnomalousSequence[]; nominalMax: number } {
  const sequences: AnomalousSequence[] = [];
  let nominalMax = -Infinity;
  for (let i = 0; i < window.length; i++) {
    const v = window[i];
    if (!(v > eps)) {
      nominalMax = Math.max(nominalMax, v);
      continue;
    }
    const s = sequences[sequences.length - 1];
    if (s && s.last === i - 1) {
      s.last = i;
      s.max = Math.max(s.max, v);
    } else sequences.push({ first: i, last: i, max: v });
  }
  return { sequences, nominalMax };
}

/**
 * Step 4: which runs stay anomalous, by their maxima (in any order; the answer is in that order).
 * The list e = maxima descending, then nominalMax; d_i = (e[i-1] - e[i]) / e[i-1]; with k the
 * last i where d_i > p, the runs whose maximum is above e[k] are kept (none when no d_i > p).
 */
export function pruneSequences(maxima: readonly number[], nominalMax: number, minDecrease: number): boolean[] {
  const e = [...maxima].sort((a, b) => b - a);
  e.push(nominalMax);
  let k = 0;
  for (let i = 1; i < e.length; i++) if (e[i - 1] > 0 && (e[i - 1] - e[i]) / e[i - 1] > minDecrease) k = i;
  return maxima.map((m) => k > 0 && m > e[k]);
}

/** Steps 3 to 5 on one full window: its threshold, runs (with `kept`) and the last value's flag. */
export function judgeWindow(window: ArrayLike<number>, rule: Pick<DynamicThresholdRule, 'zGrid' | 'minDecrease'>):
  WindowThreshold & { sequences: (AnomalousSequence & { kept: boolean })[]; flag: boolean } {
  const t = windowThreshold(window, rule.zGrid);
  if (t.z === null) return { ...t, sequences: [], flag: false };
  const { sequences, nominalMax } = anomalousSequences(window, t.epsilon);
  const kept = pruneSequences(sequences.map((s) => s.max), nominalMax, rule.minDecrease);
  const runs = sequences.map((s, i) => ({ ...s, kept: kept[i] }));
  const lastRun = runs[runs.length - 1];
  return { ...t, sequences: runs, flag: !!lastRun && lastRun.last === window.length - 1 && lastRun.kept };
}

/** The state a series carries from row to row, as plain JSON (streams save it). */
export interface DynamicThresholdStateJSON {
  /** The EWMA's weighted sum and weight. */
  sum: number;
  weight: number;
  /** The last smoothed scores, oldest first (at most `history`). */
  recent: number[];
}

/**
 * The rule applied row by row: push each row's score, get its flag. A non-finite score is
 * neither smoothed nor kept (it would poison the EWMA); it is flagged when above the fallback.
 */
export class DynamicThresholdState {
  private readonly ewma: Ewma;
  /** The last `history` smoothed scores, row i at slot i % history. */
  private readonly ring: Float64Array;
  private readonly window: Float64Array;
  private readonly zMin: number;
  private count = 0;

  constructor(readonly rule: DynamicThresholdRule, from?: DynamicThresholdStateJSON) {
    this.ewma = new Ewma(rule.span);
    this.ring = new Float64Array(rule.history);
    this.window = new Float64Array(rule.history);
    this.zMin = Math.min(...rule.zGrid);
    if (from) this.restore(from);
  }

  /** The flag of the next row, whose score is `score`. */
  push(score: number): 0 | 1 {
    const { rule, ring } = this;
    if (!Number.isFinite(score)) return score > rule.fallback ? 1 : 0;
    const smoothed = this.ewma.push(score);
    const h = rule.history;
    ring[this.count % h] = smoothed;
    this.count++;
    if (this.count < h) return smoothed > rule.fallback ? 1 : 0;
    const start = this.count % h; // the oldest of the window
    const w = this.window;
    w.set(ring.subarray(start), 0);
    w.set(ring.subarray(0, start), h - start);
    // Exact shortcut: every candidate eps is >= mu + min(z) sigma, so a row at or below it is
    // never flagged, and most rows skip the search.
    const { mu, sigma } = meanStd(w);
    if (!(smoothed > mu + this.zMin * sigma)) return 0;
    return judgeWindow(w, rule).flag ? 1 : 0;
  }

  toJSON(): DynamicThresholdStateJSON {
    const h = this.rule.history, n = Math.min(this.count, h);
    const recent: number[] = [];
    for (let i = this.count - n; i < this.count; i++) recent.push(this.ring[i % h]);
    return { sum: this.ewma.sum, weight: this.ewma.weight, recent };
  }

  private restore(s: DynamicThresholdStateJSON): void {
    const bad = (what: string) => new Error(`dynamic threshold state: ${what}`);
    if (!s || typeof s !== 'object') throw bad('not an object { sum, weight, recent }');
    if (!Number.isFinite(s.sum) || !(s.weight >= 0 && s.weight <= 1)) throw bad(`sum must be finite and weight in [0, 1], got ${s.sum} and ${s.weight}`);
    if (!Array.isArray(s.recent) || s.recent.length > this.rule.history || !s.recent.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw bad(`recent must hold at most ${this.rule.history} (the rule's history) finite numbers`);
    this.ewma.sum = s.sum;
    this.ewma.weight = s.weight;
    // Fewer than `history` values: they are the rows 0.. since the start; else the last full window.
    s.recent.forEach((v, i) => (this.ring[i] = v));
    this.count = s.recent.length;
  }
}

/** The flags of a whole series of scores, row by row from its first (as a stream would). */
export function dynamicFlags(scores: ArrayLike<number>, rule: DynamicThresholdRule): Uint8Array {
  const state = new DynamicThresholdState(rule);
  return Uint8Array.from(scores, (s) => state.push(s));
}
