// From a backend's per-window outputs to per-row decisions, shared by batch scoring and streams so
// that both give the same numbers for the same window. The arithmetic is that of `vigil detect`
// before the Detector existed (score.ts scoreWindows, tools/cli/alpha.ts alphaScoring):
// - threshold rule: channel errors from the model (channelErrors, [n, F]) divided by the bundle's
//   per-channel errorScale (1 without one; error_scale.ts scaledScore); the score is their
//   mean (summed in float64, stored as float32) or, for models that say so, their max; flag when
//   score > threshold, or, for a dynamic threshold (lib/eval/dynamic_threshold.ts), by that rule
//   over the series' scores so far: its state (the trailing smoothed scores) is per series, made
//   by thresholdState() and handed to decide() by the batch job and by the stream, row by row.
// - own scores (a model with scores(), STAEAD's residual norm): the model's score as it is, its
//   channel errors for attribution, unscaled (as score.ts scoreWindows); a model with a score
//   and no channel errors (ALAD) names no channels.
// - alpha rule (DC-VAE with an "alpha" section): the model's Gaussian (mu, sigma) at each
//   window's last step; channel error |x - mu| / sigma (calibrate/gaussian_error.ts, the same
//   function as the model's channelErrors), then score and channel errors as the threshold rule
//   (over the errorScale, reduced as the model says), so detect's score column is the score the
//   bundle's threshold, `evaluate` and `train` use; flag and per-channel flags by
//   lib/calibrate/alpha.ts alphaFlags (on the unscaled residuals the alphas were fitted on).
// Top channels: rankChannels (largest error first, ties to the lower channel).
import { alphaFlags, type Alphas } from '../calibrate/alpha';
import { rankChannels } from '../eval/attribution';
import { checkErrorScale, scaledScore } from '../calibrate/error_scale';
import { gaussianChannelErrors } from '../calibrate/gaussian_error';
import { DynamicThresholdState, dynamicRuleOf, type DynamicThresholdRule, type DynamicThresholdStateJSON } from '../eval/dynamic_threshold';
import type { Threshold } from '../eval/threshold';
import type { UnseenCategory } from './rows';

/** What a backend writes for n windows (each [n, F]). */
export interface WindowOut {
  errors?: Float32Array;
  /** [n]: the model's own scores (models with scores()); errors then only attribute. */
  scores?: Float32Array;
  mu?: Float32Array;
  sigma?: Float32Array;
}

/** Per-row results as columns (rows without a full window: score NaN, flag 0). */
export interface SeriesScores {
  rows: number;
  /** The first row with a decision (window - 1), or rows when none has. */
  first: number;
  scores: Float32Array;
  flags: Uint8Array;
  /** [rows, channels] (NaN where no decision); divided by the errorScale (not a model's own scores' errors). */
  channelErrors: Float32Array;
  /** [rows, channels] 0/1 per-channel flags (alpha rule only). */
  channelFlags?: Uint8Array;
}

export interface TopChannel {
  name: string;
  /** The channel's error (over its errorScale, i.e. relative to its normal level; a model's own scores: as it gives them). */
  error: number;
}

/** A row before the first full window: no decision. */
export interface NotReady {
  /** 0-based position of the row (in the call, or since the stream began). */
  index: number;
  ready: false;
  /** Rows still needed before the first decision. */
  remaining: number;
  /** ms since the epoch, when the row came with a timestamp. */
  timestamp?: number;
}

/** The decision for the window that ends at this row. */
export interface Decision {
  index: number;
  ready: true;
  score: number;
  flag: boolean;
  /** Channels of largest error, largest first (none for a model without per-channel errors: ALAD). */
  topChannels: TopChannel[];
  /** Tabular rows: categories the vocabulary lacks, encoded as all-zero blocks (unseen policy 'zeros'). */
  unseen?: UnseenCategory[];
  /** Alpha rule: the channels outside [mu - alpha_down sigma, mu + alpha_up sigma]. */
  flaggedChannels?: string[];
  timestamp?: number;
}

export type RowResult = NotReady | Decision;

/** The scoring rule of a loaded detector: what to ask the backend and how to decide. */
/** A NaN or infinite score is the model failing (weights or inputs out of range), never a decision. */
export function nonFiniteScore(row: number, score: number): Error {
  return new Error(`the score at row ${row} (0-based) is ${score}: the model produced a non-finite value, so no decision is made (are the inputs or the bundle's weights out of range?)`);
}

export class DecisionRule {
  readonly F: number;
  readonly T: number;
  readonly rule: 'threshold' | 'alpha';
  /** Per-channel error scale of the threshold rule (null: 1). */
  readonly errorScale: Float64Array | null;
  /** The fixed threshold (a dynamic one's fallback). */
  readonly threshold: number;
  /** A dynamic threshold's rule (null: fixed). */
  readonly dynamic: DynamicThresholdRule | null;

  constructor(
    readonly columns: readonly string[],
    window: number,
    readonly reduction: 'mean' | 'max',
    threshold: Threshold,
    readonly alphas: Alphas | null,
    errorScale?: ArrayLike<number> | null,
    /** The model scores windows itself (scores()); the errorScale is then not used. */
    readonly ownScores = false,
    /** The model gives per-channel errors (channelErrors); without them (own scores only) a decision names no channels. */
    readonly hasChannelErrors = true,
  ) {
    this.F = columns.length;
    this.T = window;
    this.rule = alphas ? 'alpha' : 'threshold';
    this.errorScale = checkErrorScale(errorScale, this.F);
    this.threshold = threshold.value;
    this.dynamic = threshold.method === 'dynamic' ? dynamicRuleOf(threshold) : null;
    if (alphas && (alphas.up.length !== this.F || alphas.down.length !== this.F))
      throw new Error(`the bundle's alpha section has ${alphas.up.length}/${alphas.down.length} alphas for ${this.F} channels`);
  }

  /** Output buffers for P windows. */
  outputs(P: number): WindowOut {
    const n = P * this.F;
    if (this.alphas) return { mu: new Float32Array(n), sigma: new Float32Array(n) };
    if (!this.ownScores) return { errors: new Float32Array(n) };
    return this.hasChannelErrors ? { errors: new Float32Array(n), scores: new Float32Array(P) } : { scores: new Float32Array(P) };
  }

  /** A fresh per-series state of the dynamic threshold (null for a fixed one). */
  thresholdState(): DynamicThresholdState | null {
    return this.dynamic && !this.alphas ? new DynamicThresholdState(this.dynamic) : null;
  }

  /** The dynamic threshold's state as a stream saved it. */
  thresholdStateFrom(json: DynamicThresholdStateJSON): DynamicThresholdState {
    if (!this.dynamic) throw new Error('thresholdStateFrom: this rule has no dynamic threshold');
    return new DynamicThresholdState(this.dynamic, json);
  }

  /**
   * Decides the first n windows of x ([>= n, T, F], scaled) from the backend's `out`, writing
   * rows at, at + 1, ... of dst. `lastX` is scratch of at least n * F values (alpha rule);
   * `state` is the series' thresholdState() (dynamic threshold: the rows must come in order).
   */
  decide(x: Float32Array, n: number, out: WindowOut, dst: SeriesScores, at: number, lastX?: Float32Array, state?: DynamicThresholdState | null): void {
    const { F, T } = this;
    const errs = dst.channelErrors;
    if (!this.alphas) {
      if (this.dynamic && !state) throw new Error('decide: a dynamic threshold needs the series\' thresholdState()');
      const e = out.errors;
      const useMax = this.reduction === 'max';
      for (let i = 0; i < n; i++) {
        if (out.scores) {
          // Channel errors (when the model has them) only attribute; without, they stay NaN.
          dst.scores[at + i] = out.scores[i];
          if (e) errs.set(e.subarray(i * F, (i + 1) * F), (at + i) * F);
        } else dst.scores[at + i] = scaledScore(e!, i * F, F, useMax, this.errorScale, errs, (at + i) * F);
        if (!Number.isFinite(dst.scores[at + i])) throw nonFiniteScore(at + i, dst.scores[at + i]);
        dst.flags[at + i] = state ? state.push(dst.scores[at + i]) : dst.scores[at + i] > this.threshold ? 1 : 0;
      }
      return;
    }
    const mu = out.mu!, sigma = out.sigma!;
    const xl = lastX && lastX.length === n * F ? lastX : new Float32Array(n * F);
    for (let i = 0; i < n; i++) xl.set(x.subarray((i * T + T - 1) * F, (i * T + T) * F), i * F);
    // The model's channel errors (gaussian_error.ts, as its channelErrors), then the threshold
    // rule's score of them: the score column is the one the bundle's threshold was fitted on.
    const raw = gaussianChannelErrors(xl, mu, sigma, n * F);
    const useMax = this.reduction === 'max';
    for (let i = 0; i < n; i++) {
      dst.scores[at + i] = scaledScore(raw, i * F, F, useMax, this.errorScale, errs, (at + i) * F);
      if (!Number.isFinite(dst.scores[at + i])) throw nonFiniteScore(at + i, dst.scores[at + i]);
    }
    const { flags, channelFlags } = alphaFlags({ rows: n, channels: F, x: xl, mu, sigma }, this.alphas);
    dst.flags.set(flags, at);
    dst.channelFlags!.set(channelFlags, at * F);
  }

  /** Empty result columns for `rows` rows. */
  columns0(rows: number): SeriesScores {
    return {
      rows,
      first: Math.min(this.T - 1, rows),
      scores: new Float32Array(rows).fill(NaN),
      flags: new Uint8Array(rows),
      channelErrors: new Float32Array(rows * this.F).fill(NaN),
      channelFlags: this.alphas ? new Uint8Array(rows * this.F) : undefined,
    };
  }

  /** Row r of `s` as a decision; `index` and `timestamp` are what the caller calls the row. */
  result(s: SeriesScores, r: number, top: number, index: number, seen: number, timestamp?: number): RowResult {
    const ts = timestamp === undefined || timestamp !== timestamp ? {} : { timestamp };
    const score = s.scores[r];
    if (score !== score && seen < this.T) return { index, ready: false, remaining: this.T - seen, ...ts };
    const F = this.F;
    const topChannels: TopChannel[] = [];
    const ranked = this.hasChannelErrors ? rankChannels(s.channelErrors, F, r) : null;
    if (ranked) for (let k = 0; k < Math.min(top, F); k++) topChannels.push({ name: this.columns[ranked[k]], error: s.channelErrors[r * F + ranked[k]] });
    const d: Decision = { index, ready: true, score, flag: s.flags[r] === 1, topChannels, ...ts };
    if (s.channelFlags) {
      d.flaggedChannels = [];
      for (let c = 0; c < F; c++) if (s.channelFlags[r * F + c]) d.flaggedChannels.push(this.columns[c]);
    }
    return d;
  }
}
