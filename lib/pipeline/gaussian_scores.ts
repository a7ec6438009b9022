// The per-channel alpha rule over a series: the Gaussian rows of a detector's model (x, mu,
// sigma at every window-ending row) and the alpha rule as a scorer `evaluate` reports beside the
// threshold rule. For models that predict per-channel Gaussians (GaussianPredictor).
import { alphaChannelScores, alphasFromJSON, type Alphas, type AlphasJSON, type GaussianRows } from '../calibrate/alpha';
import type { Threshold } from '../calibrate/thresholds';
import { samplesOf } from '../data/representation';
import { Scaler } from '../data/scaler';
import type { Series } from '../data/series';
import type { LoadedDetector } from '../detect/detector_bundle';
import { inputOf } from '../model';
import { UsageError } from '../options';
import { gaussianModel, lastStepGaussians } from './gaussians';
import { checkScorable } from './score';

/**
 * x, mu, sigma at every row that ends a window, in row order (`ends`: those rows; from `first` on,
 * less each later run's first rows on pooled runs); null without Gaussians.
 */
export function gaussianRowsOf(det: LoadedDetector, series: Series): { rows: GaussianRows; first: number; ends: Int32Array } | null {
  const model = gaussianModel(det.model);
  if (!model) return null;
  checkScorable(det, series);
  const scaled = Scaler.fromJSON(det.info.scaler).transform(series);
  const samples = samplesOf(inputOf(det.model), scaled);
  if (!samples.count) throw new UsageError(`${series.rows} rows are fewer than the model's window of ${samples.length}`);
  const ends = Int32Array.from({ length: samples.count }, (_, i) => samples.endRow(i));
  return { rows: lastStepGaussians(model, samples), first: samples.length - 1, ends };
}

/**
 * Per-channel values of the window-ending rows (`per`, [ends.length, C], row ends[i] for i) as
 * the series' channel errors, and each row's score as the largest of them (from 0); both NaN at
 * the rows no window ends at.
 */
function seriesScores(per: Float32Array, C: number, ends: Int32Array, n: number): { scores: Float32Array; channelErrors: Float32Array } {
  const scores = new Float32Array(n).fill(NaN);
  const channelErrors = new Float32Array(n * C).fill(NaN);
  ends.forEach((r, i) => {
    channelErrors.set(per.subarray(i * C, (i + 1) * C), r * C);
    let s = 0;
    for (let c = 0; c < C; c++) s = Math.max(s, per[i * C + c]);
    scores[r] = s;
  });
  return { scores, channelErrors };
}

/**
 * The alpha rule as a scorer, or null when the bundle has no alpha section: per row the
 * alpha-normalised score max_c max(r / alpha_up, -r / alpha_down), r = (x - mu) / sigma (NaN
 * before the first full window), the per-channel ratios as its channel errors, and the fixed
 * threshold 1, above which exactly the rows the Detector flags by the alphas lie.
 */
export function alphaRuleScorer(det: LoadedDetector, series: Series):
  { scores: Float32Array; channelErrors: Float32Array; threshold: Threshold; alphas: Alphas } | null {
  const json = (det.info as { alpha?: AlphasJSON }).alpha;
  if (!json) return null;
  const g = gaussianRowsOf(det, series);
  if (!g) throw new Error(`detector bundle: an alpha section, but ${det.kind} predicts no per-channel Gaussians`);
  const alphas = alphasFromJSON(json);
  const threshold: Threshold = {
    value: 1, method: 'fixed',
    params: { rule: 'per-channel alphas: flag when some channel leaves [mu - alpha_down sigma, mu + alpha_up sigma]', alphaMethod: alphas.method },
  };
  return { ...seriesScores(alphaChannelScores(g.rows, alphas), g.rows.channels, g.ends, series.rows), threshold, alphas };
}
