// Training and scoring the demo's scorers. Each model is trained on the normal head, keeps its
// best-validation epoch, fits its per-channel error scale on the normal validation tail (each
// channel's mean error there, lib/calibrate/error_scale.ts) and its threshold on the scores of the
// scaled errors there (defaultThreshold: POT), as `vigil train` does; PCA is fitted and
// thresholded on the same rows. Then every scorer scores the attacked period. Nothing here sees
// the attacked period's labels.
import { Windows } from '../../../lib/data/windows';
import { fitPca, pcaScores, randomScores } from '../../../lib/eval/baselines';
import { pointScores, scoreWindows, type WindowScores, type WindowSource } from '../../../lib/detect/score';
import { defaultThreshold, type Threshold } from '../../../lib/calibrate/thresholds';
import type { AnomalyModel } from '../../../lib/model';
import { fitModel } from '../../../lib/pipeline/fit';
import { Progress } from '../../../lib/train/progress';
import type { DemoModel, DemoSizes } from './config';
import type { DemoData } from './data';

export interface Scored {
  name: string;
  /** Per row of the attacked period. */
  scores: Float32Array;
  threshold: Threshold;
  /** rows * channels, per row of the attacked period (the models': already over their error scale). */
  channelErrors?: Float32Array;
  /** PCA: mean per-channel error on the validation tail (the per-attack top channels divide by it). */
  channelScale?: Float64Array;
  /** One line on how it was trained and thresholded. */
  summary: string;
}

/** Mean of each channel's error over rows (NaN rows skipped). */
function channelMeans(errors: Float32Array, channels: number): Float64Array {
  const sum = new Float64Array(channels), n = new Float64Array(channels);
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i];
    if (Number.isFinite(e)) (sum[i % channels] += e), n[i % channels]++;
  }
  return sum.map((s, c) => (n[c] ? s / n[c] : 1));
}

/** Erases a progress bar's line (bars are drawn on terminals only). */
function clearBar(): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${' '.repeat(120)}\r`);
}

/** scoreWindows in chunks, ticking a progress bar. */
function scoreWithProgress(model: AnomalyModel, w: Windows, progress: Progress, offset: number, total: number, errorScale?: number[]): WindowScores {
  const F = w.channels, chunk = 1024;
  const scores = new Float32Array(w.count), channelErrors = new Float32Array(w.count * F);
  for (let b = 0; b < w.count; b += chunk) {
    const n = Math.min(chunk, w.count - b);
    const part: WindowSource = {
      count: n, length: w.length, channels: F,
      batch: (idx) => w.batch(Array.from(idx, (i) => i + b)),
      endRow: (i) => w.endRow(i + b),
    };
    const s = scoreWindows(model, part, { errorScale });
    scores.set(s.scores, b);
    channelErrors.set(s.channelErrors, b * F);
    progress.tick(offset + b + n, 'windows');
  }
  return { scores, channelErrors };
}

export async function trainAndScore(m: DemoModel, data: DemoData, sizes: DemoSizes, seed: number): Promise<Scored> {
  const t0 = Date.now();
  const F = data.train.columns.length;
  const bar = new Progress(`${m.kind.padEnd(7)} training`, sizes.epochs);
  // As vigil train: the kind's training, the error scale and the POT threshold on the validation tail.
  const fitted = await fitModel(m.kind, data.train, data.validation, {
    config: m.config, epochs: sizes.epochs, batchSize: sizes.batchSize, lr: m.lr, seed, stride: sizes.stride, patience: undefined,
    baseline: false, progress: false,
    onEpoch: (r) => bar.tick(r.epoch, `epochs, validation loss ${r.validationLoss?.toFixed(4)}`),
  });
  const { model, result, errorScale, threshold, training, validation } = fitted;
  try {
    const testWin = new Windows(data.test, { length: fitted.context });
    const sbar = new Progress(`${m.kind.padEnd(7)} scoring `, testWin.count);
    const test = pointScores(testWin, scoreWithProgress(model, testWin, sbar, 0, testWin.count, errorScale), data.test.rows);
    clearBar();
    return {
      name: m.kind,
      scores: test.scores.subarray(data.context),
      channelErrors: test.channelErrors.subarray(data.context * F),
      threshold,
      summary: `${m.kind}: ${model.numParameters()} parameters, ${result.history.length} epochs on ${training.count} windows (best validation loss ${result.bestLoss.toFixed(4)} at epoch ${result.bestEpoch}), ` +
        `${errorScale ? `error scale ${Math.min(...errorScale).toPrecision(2)}-${Math.max(...errorScale).toPrecision(2)}` : 'its own score (no error scale)'}, threshold ${threshold.value.toPrecision(4)} (${threshold.method} on ${validation.count} validation scores), ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    };
  } finally {
    model.dispose();
  }
}

/** PCA on the normal head's rows (90% of the variance), thresholded on the validation tail like the models. */
export function pcaScorer(data: DemoData): Scored {
  const F = data.train.columns.length;
  const pca = fitPca(data.train);
  const val = pcaScores(pca, data.validation);
  const threshold = defaultThreshold(val.scores);
  const test = pcaScores(pca, data.test);
  return {
    name: 'PCA',
    scores: test.scores.subarray(data.context),
    channelErrors: test.channelErrors.subarray(data.context * F),
    channelScale: channelMeans(val.channelErrors, F),
    threshold,
    summary: `PCA: ${pca.k} of ${F} components (${(100 * pca.explained).toFixed(0)}% of the variance), threshold ${threshold.value.toPrecision(4)} (${threshold.method} on ${data.validation.rows} validation rows)`,
  };
}

/** A uniform random score flagging about 1% of rows: what chance looks like under each metric. */
export function randomScorer(rows: number, seed: number): Scored {
  return {
    name: 'random',
    scores: randomScores({ rows }, seed),
    threshold: { value: 0.99, method: 'fixed', params: { note: 'flags ~1% of steps' } },
    summary: 'random: uniform scores, fixed threshold 0.99',
  };
}
