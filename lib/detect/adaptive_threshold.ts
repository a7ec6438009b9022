// A threshold that adapts to the series being judged, for the Detector's batches and streams
// (`adaptiveThreshold` option). Label-free: it learns from the series' own scores.
//
// Warm-up: the first `warmup` decisions (rows with a full window) are flagged by the bundle's own
// rule (the calibration it stored is the starting point) and their scores kept; at the last of
// them the threshold is re-initialised from those scores:
// - method 'warmup': the bundle's threshold method fitted afresh on them (POT with its risk and
//   initial quantile, kept to at least 10 peaks and risk >= 1/warmup; quantile, mean-std and
//   budget as refitThreshold); fixed from then on;
// - method 'dspot': DSPOT (lib/calibrate/dspot.ts) initialised on them; from then on every score
//   is judged by M + z and updates the model (flagged scores leave the tail alone).
// A warm-up whose scores admit no fit (e.g. too few distinct values for 10 peaks) is dropped and
// starts again at the next decision, the bundle's rule flagging meanwhile; `failed` says why.
// Throwing instead would leave a stream with a row accepted and not decided.
// The warm-up assumes those rows are mostly normal: an anomaly inside it is learnt as normal and
// raises the threshold (see docs/detector.md).
// The state is plain JSON, so a stream saves it in state() and a restored stream goes on exactly.
import { Dspot, checkDspotOptions, DSPOT_MIN_RESIDUALS, type DspotDrift, type DspotStateJSON } from '../calibrate/dspot';
import { pot, refitThreshold } from '../calibrate/thresholds';
import type { Threshold } from '../eval/threshold';

export type AdaptiveThresholdOptions =
  | { method: 'warmup'; warmup: number }
  | { method: 'dspot'; warmup: number; depth: number; risk?: number; initialQuantile?: number; drift?: DspotDrift };

export interface AdaptiveThresholdJSON {
  options: AdaptiveThresholdOptions;
  /** The warm-up's scores so far (empty once it is over). */
  warm: number[];
  /** Why the last warm-up could not be fitted (it started again), if one could not. */
  failed?: string;
  /** method 'warmup': the threshold refitted at the end of the warm-up. */
  refitted?: Threshold;
  /** method 'dspot': the model after the warm-up. */
  dspot?: DspotStateJSON;
}

/** Methods the 'warmup' refit knows how to fit again without labels. */
const REFITTABLE = new Set(['pot', 'quantile', 'mean-std', 'false-alarm-budget']);

/** The options checked against the bundle's threshold (errors name what to change); risk filled in for dspot. */
export function checkAdaptiveThreshold(o: AdaptiveThresholdOptions, bundle: Threshold, alphaRule: boolean): AdaptiveThresholdOptions {
  const bad = (what: string) => new Error(`adaptiveThreshold: ${what}`);
  if (!o || typeof o !== 'object') throw bad("must be { method: 'warmup' | 'dspot', warmup, ... }");
  if (o.method !== 'warmup' && o.method !== 'dspot') throw bad(`method must be 'warmup' or 'dspot', got '${String((o as { method: unknown }).method)}'`);
  if (alphaRule) throw bad("this detector flags by per-channel alphas, not by a score threshold; load it with rule: 'threshold'");
  if (!(Number.isInteger(o.warmup) && o.warmup >= 1)) throw bad(`warmup must be a positive integer (decisions), got ${o.warmup}`);
  if (o.method === 'warmup') {
    if (!REFITTABLE.has(bundle.method))
      throw bad(`method 'warmup' refits the bundle's threshold, and its method '${bundle.method}' cannot be refitted without labels (it can: ${[...REFITTABLE].join(', ')})`);
    if (bundle.method === 'pot' && o.warmup < DSPOT_MIN_RESIDUALS) throw bad(`a POT refit needs warmup >= ${DSPOT_MIN_RESIDUALS}, got ${o.warmup}`);
    return { method: 'warmup', warmup: o.warmup };
  }
  const risk = o.risk ?? (bundle.method === 'pot' ? (bundle.params.risk as number) : undefined);
  if (risk === undefined) throw bad(`method 'dspot' needs a risk (the bundle's threshold is '${bundle.method}', not POT, so it has none to take)`);
  const c = checkDspotOptions({ depth: o.depth, risk, initialQuantile: o.initialQuantile, drift: o.drift }, o.warmup);
  return { method: 'dspot', warmup: o.warmup, ...c };
}

export class AdaptiveThresholdState {
  private warm: number[] = [];
  private refitted: Threshold | null = null;
  private model: Dspot | null = null;
  private failed: string | undefined;

  /** `options` as checkAdaptiveThreshold returned them; `bundle`: the bundle's threshold (the refit's method). */
  constructor(readonly options: AdaptiveThresholdOptions, private readonly bundle: Threshold, from?: AdaptiveThresholdJSON) {
    if (from) this.restore(from);
  }

  /** Why the last warm-up could not be fitted and started again (undefined: none failed). */
  get failure(): string | undefined {
    return this.failed;
  }

  /** Whether the warm-up is still running (its flags are the bundle's). */
  get warming(): boolean {
    return !this.refitted && !this.model;
  }

  /** The threshold, in score units, the next score is judged by (NaN during the warm-up: the bundle's rule). */
  get threshold(): number {
    return this.model ? this.model.threshold : this.refitted ? this.refitted.value : NaN;
  }

  /** The flag of the next decision, whose score is `score` and whose flag by the bundle's rule is `bundleFlag`. */
  push(score: number, bundleFlag: number): number {
    if (this.model) return this.model.push(score);
    if (this.refitted) return score > this.refitted.value ? 1 : 0;
    this.warm.push(score);
    if (this.warm.length === this.options.warmup) this.initialise();
    return bundleFlag;
  }

  toJSON(): AdaptiveThresholdJSON {
    return {
      options: { ...this.options },
      warm: [...this.warm],
      ...(this.failed !== undefined ? { failed: this.failed } : {}),
      ...(this.refitted ? { refitted: this.refitted } : {}),
      ...(this.model ? { dspot: this.model.toJSON() } : {}),
    };
  }

  private initialise(): void {
    const o = this.options, warm = this.warm;
    this.warm = [];
    try {
      if (o.method === 'dspot') this.model = Dspot.fromWarmup(warm, o as Required<typeof o>);
      else if (this.bundle.method === 'pot') {
        const p = this.bundle.params, n = warm.length;
        this.refitted = pot(warm, { risk: Math.max(p.risk as number, 1 / n), initialQuantile: Math.min(p.initialQuantile as number, 1 - 10 / n) });
      } else this.refitted = refitThreshold(this.bundle, warm);
    } catch (e) {
      this.failed = (e as Error).message;
    }
  }

  private restore(s: AdaptiveThresholdJSON): void {
    const bad = (what: string) => new Error(`adaptive threshold state: ${what}`);
    if (!s || typeof s !== 'object' || !Array.isArray(s.warm)) throw bad('not a state written by toJSON() ({ options, warm, ... })');
    if (JSON.stringify(s.options) !== JSON.stringify(this.options))
      throw bad(`taken with options ${JSON.stringify(s.options)}, this one has ${JSON.stringify(this.options)}`);
    if (s.warm.length >= this.options.warmup || !s.warm.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw bad(`warm must hold fewer than warmup (${this.options.warmup}) finite scores`);
    if (this.options.method === 'dspot' && s.dspot) this.model = Dspot.fromJSON(s.dspot);
    else if (this.options.method === 'warmup' && s.refitted) {
      if (!Number.isFinite(s.refitted.value)) throw bad('the refitted threshold must have a finite value');
      this.refitted = s.refitted;
    }
    if ((this.model || this.refitted) && s.warm.length) throw bad('a state past its warm-up holds no warm-up scores');
    if (s.failed !== undefined && typeof s.failed !== 'string') throw bad('failed must be a string');
    this.failed = s.failed;
    this.warm = [...s.warm];
  }
}
