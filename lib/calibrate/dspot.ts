// DSPOT: streaming peaks-over-threshold with drift (Siffer et al., KDD 2017, "Anomaly Detection in
// Streams with Extreme Value Theory", Algorithm DSPOT).
//
// The drift is the mean M of the last `depth` scores the model accepted; each score x is judged by
// its residual r = x - M. The first `warmup` scores initialise it (the paper's n): the moving
// average runs over them, and POT (thresholds.ts pot: an initial quantile t and a GPD fitted by
// Grimshaw's method to the excesses over t) on their residuals gives t, the peaks and z. Then per
// score:
//   r > z        flagged; the tail is not updated (and the moving average neither, with
//                drift 'normal', the paper's rule);
//   t < r <= z   a new peak r - t: the GPD is refitted on all peaks and z recomputed for the
//                risk over the k residuals seen; the moving average takes x;
//   r <= t       k grows by one; the moving average takes x.
// The threshold in score units for the next score is M + z.
//
// drift 'normal' (the paper): a lasting level shift larger than z is flagged until it reverts,
// because flagged scores never reach the moving average. drift 'all': every score enters the
// moving average (flagged ones still stay out of the tail), so a lasting shift is absorbed within
// `depth` scores, and so is any anomaly longer than that.
import { fitGpd, gpdTailQuantile } from './gpd';
import { pot } from './thresholds';

export type DspotDrift = 'normal' | 'all';

export interface DspotOptions {
  /** Scores in the moving average (0: no drift, plain SPOT). */
  depth: number;
  /** Target probability that a normal residual exceeds the threshold. */
  risk: number;
  /** Quantile of the warm-up residuals used as t (default 0.98, lowered so that 10 peaks remain). */
  initialQuantile?: number;
  /** Which scores the moving average follows (default 'normal': the paper's). */
  drift?: DspotDrift;
}

/** A DSPOT model as plain JSON. */
export interface DspotStateJSON {
  format: 'vigil-dspot';
  depth: number;
  risk: number;
  /** The initial quantile the warm-up used (after lowering). */
  initialQuantile: number;
  drift: DspotDrift;
  /** The moving average's scores, oldest first (at most depth). */
  window: number[];
  /** t, in residual units. */
  initialThreshold: number;
  /** Excesses over t of every peak so far, in arrival order (the GPD is refitted on them). */
  peaks: number[];
  /** Residuals judged by the tail so far (the paper's k: peaks and scores below t). */
  k: number;
  /** z, in residual units. */
  threshold: number;
}

/** The fewest warm-up residuals a tail is fitted on (as defaultThreshold's POT needs 50 scores). */
export const DSPOT_MIN_RESIDUALS = 50;

export function checkDspotOptions(o: DspotOptions, warmup?: number): Required<DspotOptions> {
  const bad = (what: string) => new Error(`dspot: ${what}`);
  if (!o || typeof o !== 'object') throw bad('options must be an object { depth, risk, initialQuantile?, drift? }');
  if (!(Number.isInteger(o.depth) && o.depth >= 0)) throw bad(`depth must be a non-negative integer, got ${o.depth}`);
  if (!(o.risk > 0 && o.risk < 1)) throw bad(`risk must be in (0, 1), got ${o.risk}`);
  const initialQuantile = o.initialQuantile ?? 0.98;
  if (!(initialQuantile > 0 && initialQuantile < 1)) throw bad(`initialQuantile must be in (0, 1), got ${initialQuantile}`);
  const drift = o.drift ?? 'normal';
  if (drift !== 'normal' && drift !== 'all') throw bad(`drift must be 'normal' or 'all', got '${String(drift)}'`);
  if (warmup !== undefined && !(Number.isInteger(warmup) && warmup - o.depth >= DSPOT_MIN_RESIDUALS))
    throw bad(`warmup must be an integer at least depth + ${DSPOT_MIN_RESIDUALS} (${o.depth + DSPOT_MIN_RESIDUALS}) scores, so that the tail is fitted on ${DSPOT_MIN_RESIDUALS} residuals; got ${warmup}`);
  return { depth: o.depth, risk: o.risk, initialQuantile, drift };
}

export class Dspot {
  /** Ring of the moving average's scores: the i-th accepted score at slot i % depth. */
  private readonly ring: Float64Array;
  private accepted = 0;
  private mean = 0;
  private peaks: number[] = [];
  private k = 0;
  private t = NaN;
  private z = NaN;

  private constructor(readonly options: Required<DspotOptions>) {
    this.ring = new Float64Array(options.depth);
  }

  /** The paper's initialisation on the first scores of a series (at least depth + 50). */
  static fromWarmup(scores: ArrayLike<number>, options: DspotOptions): Dspot {
    const o = checkDspotOptions(options, scores.length);
    const m = new Dspot(o);
    for (let i = 0; i < o.depth; i++) m.accept(finite(scores[i], `warm-up score ${i}`));
    const residuals = new Float64Array(scores.length - o.depth);
    for (let i = o.depth; i < scores.length; i++) {
      residuals[i - o.depth] = finite(scores[i], `warm-up score ${i}`) - m.mean;
      m.accept(scores[i]);
    }
    // As defaultThreshold: lower t so that at least 10 peaks remain for the fit.
    const q = Math.min(o.initialQuantile, 1 - 10 / residuals.length);
    const fit = pot(residuals, { initialQuantile: q, risk: o.risk });
    const t = fit.params.initialThreshold as number;
    for (const r of residuals) if (r > t) m.peaks.push(r - t);
    m.options.initialQuantile = q;
    m.t = t;
    m.k = residuals.length;
    m.z = fit.value;
    return m;
  }

  static fromJSON(s: DspotStateJSON): Dspot {
    const bad = (what: string) => new Error(`dspot state: ${what}`);
    if (!s || s.format !== 'vigil-dspot') throw bad('not a state written by Dspot.toJSON() (format vigil-dspot)');
    const m = new Dspot(checkDspotOptions(s));
    const nums = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!nums(s.window) || s.window.length > s.depth) throw bad(`window must hold at most depth (${s.depth}) finite numbers`);
    if (!nums(s.peaks) || s.peaks.length < 2 || !s.peaks.every((p) => p > 0)) throw bad('peaks must hold at least 2 positive numbers');
    if (!(Number.isInteger(s.k) && s.k >= s.peaks.length)) throw bad(`k must be an integer >= the number of peaks, got ${s.k}`);
    if (!Number.isFinite(s.initialThreshold) || !Number.isFinite(s.threshold)) throw bad('initialThreshold and threshold must be finite');
    for (const v of s.window) m.accept(v);
    m.peaks = [...s.peaks];
    m.k = s.k;
    m.t = s.initialThreshold;
    m.z = s.threshold;
    return m;
  }

  /** The threshold, in score units, the next score is judged by (M + z). */
  get threshold(): number {
    return this.mean + this.z;
  }

  /** Judges the next score: 1 when it is above the threshold; updates the model as the paper does. */
  push(score: number): 0 | 1 {
    const x = finite(score, 'the score pushed');
    const r = x - this.mean;
    if (r > this.z) {
      if (this.options.drift === 'all') this.accept(x);
      return 1;
    }
    this.k++;
    if (r > this.t) {
      this.peaks.push(r - this.t);
      this.z = gpdTailQuantile(this.t, fitGpd(this.peaks), this.options.risk, this.k, this.peaks.length);
    }
    this.accept(x);
    return 0;
  }

  toJSON(): DspotStateJSON {
    const d = this.options.depth, n = Math.min(this.accepted, d);
    const window: number[] = [];
    for (let i = this.accepted - n; i < this.accepted; i++) window.push(this.ring[i % d]);
    return {
      format: 'vigil-dspot', ...this.options, window, initialThreshold: this.t, peaks: [...this.peaks], k: this.k, threshold: this.z,
    };
  }

  /** Adds a score to the moving average; the mean is summed oldest first, so a restored model sums alike. */
  private accept(x: number): void {
    const d = this.options.depth;
    if (!d) return;
    this.ring[this.accepted % d] = x;
    this.accepted++;
    const n = Math.min(this.accepted, d);
    let sum = 0;
    for (let i = this.accepted - n; i < this.accepted; i++) sum += this.ring[i % d];
    this.mean = sum / n;
  }
}

function finite(v: number, what: string): number {
  if (!Number.isFinite(v)) throw new Error(`dspot: ${what} is ${v}; scores must be finite`);
  return v;
}

/**
 * DSPOT over a whole series: the first `warmup` scores initialise the model (flags 0, thresholds
 * NaN), every later score is judged and updates it as Dspot.push. `thresholds[i]` is the
 * threshold score i was judged by, in score units.
 */
export function dspot(scores: ArrayLike<number>, options: DspotOptions & { warmup: number }): { flags: Uint8Array; thresholds: Float64Array } {
  const { warmup } = options;
  if (!(Number.isInteger(warmup) && warmup <= scores.length)) throw new Error(`dspot: warmup must be an integer at most the ${scores.length} scores, got ${warmup}`);
  const m = Dspot.fromWarmup(Array.prototype.slice.call(scores, 0, warmup) as number[], options);
  const flags = new Uint8Array(scores.length);
  const thresholds = new Float64Array(scores.length).fill(NaN);
  for (let i = warmup; i < scores.length; i++) {
    thresholds[i] = m.threshold;
    flags[i] = m.push(scores[i]);
  }
  return { flags, thresholds };
}
