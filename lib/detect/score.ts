// Scoring windows with a trained model, and turning window scores into per-time-step scores.
// Convention: a time step's score is the score of the window that ends at it, so a detector
// only ever uses the past; steps before the first full window have no score (NaN).
import { noGrad } from '../autograd/grad_mode';
import { Tensor, tidy } from '../tensor';

/** Windows as the scorer needs them (lib/data/windows.ts provides this). */
export interface WindowSource {
  readonly count: number;
  readonly length: number;
  readonly channels: number;
  /** Rows of the windows asked for, as [n, length, channels] row-major. */
  batch(indices: ArrayLike<number>): Float32Array;
  /** The row a window ends at (inclusive). */
  endRow(i: number): number;
}

export interface Scorer {
  eval(): unknown;
  /** [batch, window, channels] -> per-channel errors [batch, channels]. */
  channelErrors(x: Tensor): Tensor;
  /** A window's score from its channel errors: mean (default) or max. */
  readonly scoreReduction?: 'mean' | 'max';
}

export interface WindowScores {
  /** Mean (or, for models that say so, max) of the channel errors per window. */
  scores: Float32Array;
  /** Per-window, per-channel error, [count, channels]. */
  channelErrors: Float32Array;
}

export function scoreWindows(model: Scorer, windows: WindowSource, batchSize = 256): WindowScores {
  const F = windows.channels;
  const scores = new Float32Array(windows.count);
  const channelErrors = new Float32Array(windows.count * F);
  const useMax = model.scoreReduction === 'max';
  model.eval();
  noGrad(() => {
    for (let b = 0; b < windows.count; b += batchSize) {
      const n = Math.min(batchSize, windows.count - b);
      const idx = Int32Array.from({ length: n }, (_, i) => b + i);
      tidy(() => {
        const x = Tensor.fromArray(windows.batch(idx), [n, windows.length, F]);
        const err = model.channelErrors(x).toArray();
        channelErrors.set(err, b * F);
        for (let i = 0; i < n; i++) {
          let s = useMax ? -Infinity : 0;
          for (let c = 0; c < F; c++) s = useMax ? Math.max(s, err[i * F + c]) : s + err[i * F + c];
          scores[b + i] = useMax ? s : s / F;
        }
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
