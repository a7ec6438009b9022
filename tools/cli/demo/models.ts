// Training and scoring the demo's scorers. Each model is trained on the normal head, keeps its
// best-validation epoch, fits its per-channel error scale on the normal validation tail (each
// channel's mean error there, lib/calibrate/error_scale.ts) and its threshold on the scores of the
// scaled errors there (defaultThreshold: POT), as `vigil train` does; PCA is fitted and
// thresholded on the same rows. Then every scorer scores the attacked period. Nothing here sees
// the attacked period's labels.
import { Windows } from '../../../lib/data/windows';
import { fitPca, pcaScores, randomScores } from '../../../lib/eval/baselines';
import { fitErrorScale, rescore } from '../../../lib/calibrate/error_scale';
import { pointScores, scoreWindows, type WindowScores, type WindowSource } from '../../../lib/detect/score';
import { defaultThreshold, type Threshold } from '../../../lib/calibrate/thresholds';
import type { AnomalyModel } from '../../../lib/model';
import { Generator } from '../../../lib/random';
import { fromWindows } from '../../../lib/train/data';
import { fit } from '../../../lib/train/fit';
import { Progress } from '../../../lib/train/progress';
import { modelKind } from '../../../models';
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
  const kind = modelKind(m.kind);
  const gen = new Generator(seed);
  const model = kind.create(kind.defaultConfig(F, m.config), gen) as AnomalyModel;
  try {
    const W = model.window;
    const trainWin = new Windows(data.train, { length: W, stride: sizes.stride });
    const valWin = new Windows(data.validation, { length: W });
    const testWin = new Windows(data.test, { length: W });
    const bar = new Progress(`${m.kind.padEnd(7)} training`, sizes.epochs);
    const result = await fit(model, fromWindows(trainWin, valWin), {
      epochs: sizes.epochs, batchSize: sizes.batchSize, validationBatchSize: 256, lr: m.lr, generator: gen, progress: false,
      onEpoch: (r) => bar.tick(r.epoch, `epochs, validation loss ${r.validationLoss?.toFixed(4)}`),
    });
    const total = valWin.count + testWin.count;
    const sbar = new Progress(`${m.kind.padEnd(7)} scoring `, total);
    // Raw validation errors -> the error scale -> the threshold on the scaled scores (as vigil train).
    const valRaw = scoreWithProgress(model, valWin, sbar, 0, total);
    const errorScale = fitErrorScale(valRaw.channelErrors, F);
    const val = rescore(valRaw.channelErrors, F, model.scoreReduction, errorScale);
    const threshold = defaultThreshold(val.scores);
    const test = pointScores(testWin, scoreWithProgress(model, testWin, sbar, valWin.count, total, errorScale), data.test.rows);
    clearBar();
    return {
      name: m.kind,
      scores: test.scores.subarray(data.context),
      channelErrors: test.channelErrors.subarray(data.context * F),
      threshold,
      summary: `${m.kind}: ${model.numParameters()} parameters, ${result.history.length} epochs on ${trainWin.count} windows (best validation loss ${result.bestLoss.toFixed(4)} at epoch ${result.bestEpoch}), ` +
        `error scale ${Math.min(...errorScale).toPrecision(2)}-${Math.max(...errorScale).toPrecision(2)}, threshold ${threshold.value.toPrecision(4)} (${threshold.method} on ${valWin.count} validation scores), ${((Date.now() - t0) / 1000).toFixed(1)} s`,
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
