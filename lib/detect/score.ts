// Scoring windows with a trained model, and turning window scores into per-time-step scores.
// Convention: a time step's score is the score of the window that ends at it, so a detector
// only ever uses the past; steps before the first full window have no score (NaN).
// With a per-channel error scale (error_scale.ts, a detector bundle's errorScale) the score and
// the channel errors are those of the scaled errors e_c / scale_c.
import { noGrad } from '../autograd/grad_mode';
import { Tensor, tidy } from '../tensor';
import { checkErrorScale, scaledScore } from '../calibrate/error_scale';

/** Windows as the scorer needs them (lib/data/windows.ts provides this). */
export interface WindowSource {
  readonly count: number;
  readonly length: number;
  readonly channels: number;
  /** Rows of the windows asked for, as [n, length, channels] row-major. */
  batch(indices: ArrayLike<number>): Float32Array;
  /** The row a window ends at (inclusive). */
  endRow(i: number): number;
  /** One sample's shape when it is not a window of rows [length, channels] (lib/data/representation.ts). */
  readonly sampleShape?: readonly number[];
}

export interface Scorer {
  eval(): unknown;
  /** [batch, ...sample] -> per-channel errors [batch, channels]. */
  channelErrors?(x: Tensor): Tensor;
  /** [batch, ...sample] -> scores [batch], when the score is the model's own (lib/model.ts). */
  scores?(x: Tensor): Tensor;
  /** A window's score from its channel errors: mean (default) or max. */
  readonly scoreReduction?: 'mean' | 'max';
}

export interface WindowScores {
  /** Mean (or, for models that say so, max) of the (scaled) channel errors per window. */
  scores: Float32Array;
  /**
   * Per-window, per-channel error, [count, channels]: e_c / scale_c with a scale, else e_c;
   * NaN for a model that scores without per-channel errors.
   */
  channelErrors: Float32Array;
}

export interface WindowScoreOptions {
  /** Windows per model call (default 256). */
  batchSize?: number;
  /** Per-channel error scale (a bundle's errorScale); absent or null: scale 1, the raw errors. */
  errorScale?: ArrayLike<number> | null;
}

export function scoreWindows(model: Scorer, windows: WindowSource, opts: WindowScoreOptions | number = {}): WindowScores {
  const { batchSize = 256, errorScale = null } = typeof opts === 'number' ? { batchSize: opts } : opts;
  const F = windows.channels;
  const scale = checkErrorScale(errorScale, F);
  const scores = new Float32Array(windows.count);
  const channelErrors = new Float32Array(windows.count * F);
  const useMax = model.scoreReduction === 'max';
  model.eval();
  noGrad(() => {
    for (let b = 0; b < windows.count; b += batchSize) {
      const n = Math.min(batchSize, windows.count - b);
      const idx = Int32Array.from({ length: n }, (_, i) => b + i);
      tidy(() => {
        const x = Tensor.fromArray(windows.batch(idx), [n, ...(windows.sampleShape ?? [windows.length, F])]);
        if (model.scores) {
          // The model's own score, as it is; its channel errors (if any) for attribution, unscaled.
          scores.set(model.scores(x).toArray(), b);
          if (model.channelErrors) channelErrors.set(model.channelErrors(x).toArray(), b * F);
          else channelErrors.fill(NaN, b * F, (b + n) * F);
          return;
        }
        const err = model.channelErrors!(x).toArray();
        for (let i = 0; i < n; i++) scores[b + i] = scaledScore(err, i * F, F, useMax, scale, channelErrors, (b + i) * F);
      });
    }
  });
  return { scores, channelErrors };
}

/** Per-row scores and channel errors over `rows` rows (NaN where no window ends). */
export function pointScores(windows: WindowSource, ws: WindowScores, rows: number): WindowScores {
  const F = windows.channels;
  const scores = new Float32Array(rows).fill(NaN);
  const channelErrors = new Float32Array(rows * F).fill(NaN);
  for (let i = 0; i < windows.count; i++) {
    const r = windows.endRow(i);
    scores[r] = ws.scores[i];
    channelErrors.set(ws.channelErrors.subarray(i * F, (i + 1) * F), r * F);
  }
  return { scores, channelErrors };
}
