// What the classic detectors (pca, iforest, knn) share: they fit once on all their training samples
// instead of by gradient steps, through ModelKind.fit, and report that fit as one "epoch" so
// `vigil train`, the bundle's training section and the logs read as for any other kind.
import type { FitData } from '../lib/train/data';
import type { FitResult } from '../lib/train/fit';
import { Generator } from '../lib/random';
import { Tensor, tidy } from '../lib/tensor';

/** Every sample of a split, in order, as one row-major array (flattened samples of `per` values). */
export function allSamples(data: FitData, split: 'train' | 'validation'): { count: number; per: number; values: Float32Array } {
  const count = split === 'train' ? data.trainCount : data.validationCount;
  const chunk = 4096;
  let values = new Float32Array(0);
  let per = 0;
  for (let b = 0; b < count; b += chunk) {
    const n = Math.min(chunk, count - b);
    const part = tidy(() => data.batch(split, Int32Array.from({ length: n }, (_, i) => b + i)).toArray() as Float32Array);
    if (!values.length) {
      per = part.length / n;
      values = new Float32Array(count * per);
    }
    values.set(part, b * per);
  }
  return { count, per, values };
}

/** A fitted classic model: it scores windows of `window` rows of `inputs` channels. */
interface ScoringModel {
  readonly config: { inputs: number; window: number };
  scores(x: Tensor): Tensor;
}

/** Mean score of the samples under the fitted model. */
function meanScore(model: ScoringModel, x: { count: number; values: Float32Array }): number {
  const { inputs, window } = model.config;
  return tidy(() => {
    let sum = 0;
    for (const v of model.scores(Tensor.fromArray(x.values, [x.count, window, inputs])).toArray()) sum += v;
    return sum / x.count;
  });
}

/**
 * The FitResult of a closed-form fit: one epoch whose losses are the fitted model's mean scores
 * of the training and validation samples (what it calls normal), `seconds` the fit's time.
 */
export function closedFormResult(model: ScoringModel, data: FitData, train: { count: number; values: Float32Array }, seconds: number): FitResult {
  const trainLoss = meanScore(model, train);
  const validationLoss = data.validationCount ? meanScore(model, allSamples(data, 'validation')) : null;
  const watched = validationLoss ?? trainLoss;
  return {
    history: [{ epoch: 1, trainLoss, validationLoss, lr: 0, seconds, improved: true }],
    bestEpoch: 1, bestLoss: watched, watched: 'validation loss', stoppedEarly: false, resumedFrom: null, seconds,
  };
}

/** A classic model fitted once on every training sample with random numbers (iforest, knn). */
interface SeededModel extends ScoringModel {
  fitSamples(x: Float32Array, count: number, gen: Generator): void;
}

/** ModelKind.fit of a SeededModel: all training samples, the run's generator (seed 0 without one). */
export async function fitSeeded(model: SeededModel, data: FitData, generator: Generator | undefined): Promise<FitResult> {
  const t0 = performance.now();
  const train = allSamples(data, 'train');
  model.fitSamples(train.values, train.count, generator ?? new Generator(0));
  return closedFormResult(model, data, train, (performance.now() - t0) / 1000);
}
