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

/** x, mu, sigma at every row that ends a window (rows first.. of the series); null without Gaussians. */
export function gaussianRowsOf(det: LoadedDetector, series: Series): { rows: GaussianRows; first: number } | null {
  const model = gaussianModel(det.model);
  if (!model) return null;
  checkScorable(det, series);
  const scaled = Scaler.fromJSON(det.info.scaler).transform(series);
  const samples = samplesOf(inputOf(det.model), scaled);
  if (!samples.count) throw new UsageError(`${series.rows} rows are fewer than the model's window of ${samples.length}`);
  return { rows: lastStepGaussians(model, samples), first: samples.length - 1 };
}

/**
 * Per-channel values of the window-ending rows (`per`, [rows, C] from row `first` on) as the
 * series' channel errors, and each row's score as the largest of them (from 0); both NaN before
 * the first full window.
 */
function seriesScores(per: Float32Array, C: number, first: number, n: number): { scores: Float32Array; channelErrors: Float32Array } {
  const scores = new Float32Array(n).fill(NaN);
  const channelErrors = new Float32Array(n * C).fill(NaN);
  channelErrors.set(per, first * C);
  for (let i = 0; i < per.length / C; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s = Math.max(s, per[i * C + c]);
    scores[first + i] = s;
  }
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
  return { ...seriesScores(alphaChannelScores(g.rows, alphas), g.rows.channels, g.first, series.rows), threshold, alphas };
}
